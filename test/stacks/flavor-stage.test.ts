import type * as cxapi from 'aws-cdk-lib/cx-api';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as path from 'path';
import { accountResolver, parseDnsContext } from '../../bin/context';
import { snapshotCopyDestinations } from '../../lib/backup/copy-destinations';
import { FlavorsError } from '../../lib/errors';
import { flavorRegions } from '../../lib/flavor/define-flavor';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { regionsMentioned } from '../../lib/residency/rules/foreign-region-reference';
import usAustralia from '../../flavors/us-australia';
import { FlavorStage, type FlavorStageProps } from '../../stacks/flavor-stage';
import { addFlavorStages } from '../../stacks/flavors-app';
import { RegionStack } from '../../stacks/region-stack';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';
import { importedAlb, MYSQL_FLAVOR } from '../helpers/data-traffic-flavor';

const FLAVORS = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));
const ACCOUNTS = accountResolver(CDK_CONTEXT.accounts);
const DNS = parseDnsContext(CDK_CONTEXT.dns)!;

interface Resource {
  readonly Type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized template JSON, whose shape the assertions below check
  readonly Properties: Record<string, any>;
}
const resourcesOf = (stack: cxapi.CloudFormationStackArtifact, type: string): Resource[] =>
  Object.values((stack.template as { Resources: Record<string, Resource> }).Resources).filter((r) => r.Type === type);

// One synth for all flavors, read by every test below that only reads it: the app `cdk synth` builds
// (bin/app.ts: every flavor file, with the DNS zone of cdk.json). Region stacks are the same with or
// without the zone; the zone adds each flavor's `<flavor>-dns` stack.
const app = testApp();
const { stages, stageRegions } = addFlavorStages(app, FLAVORS, ACCOUNTS, DNS);
const assembly = app.synth();
const stacksOf = (flavor: Flavor) => assembly.getNestedAssembly(stages.find((s) => s.stageName === flavor.name)!.artifactId).stacks;

describe('FlavorStage', () => {
  test('every flavor file becomes a Stage named after it', () => {
    expect(stages.map((s) => s.stageName)).toEqual(FLAVORS.map((f) => f.name));
    expect(FLAVORS.length).toBeGreaterThanOrEqual(3);
  });

  test.each(FLAVORS.map((f) => [f.name, f]))('%s: one stack per flavor region, each with an explicit env inside the flavor', (name, flavor) => {
    const stacks = stacksOf(flavor);
    const regionStacks = stacks.filter((s) => s.stackName !== `${name}-dns`);
    expect(regionStacks.map((s) => s.environment.region).sort()).toEqual([...flavorRegions(flavor)].sort());
    for (const stack of regionStacks) expect(stack.stackName).toBe(`${name}-${stack.environment.region}`);
    for (const stack of stacks) {
      expect(stack.environment.account).toBe(ACCOUNTS(name));
      expect(flavorRegions(flavor)).toContain(stack.environment.region);
      expect(stack.terminationProtection).toBe(true);
    }
    // Without a zone the stage holds the region stacks only
    const bare = new FlavorStage(testApp(), { flavor, account: ACCOUNTS(name) });
    expect(bare.dnsStack).toBeUndefined();
    expect(bare.node.children.filter(Stack.isStack).map((s) => s.stackName)).toEqual([...bare.regionStacks.values()].map((s) => s.stackName));
  });

  test('the whole app passes the residency check and needs no context lookup', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
    const missing = [assembly, ...stages.map((s) => assembly.getNestedAssembly(s.artifactId))].flatMap((a) => a.manifest.missing ?? []);
    expect(missing).toEqual([]);
  });

  test('stacks are tagged with their flavor and region role', () => {
    const stage = stages.find((s) => s.stageName === 'us-australia')!;
    const fallback = assembly.getNestedAssembly(stage.artifactId).getStackByName('us-australia-ap-southeast-2');
    expect(fallback.tags).toEqual(expect.objectContaining({ 'flavors:flavor': 'us-australia', 'flavors:region-role': 'fallback' }));
  });
});

describe('flavor residency: every stack, copy target, key replica and DNS target is a flavor region', () => {
  // Given the app as `cdk synth` builds it (above): every flavor with its region stacks and DNS stack
  test('the whole assembly passes checkAssemblyResidency with the three DR rules in it', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
  });

  describe.each(FLAVORS.map((f) => [f.name, f] as const))('%s', (_name, flavor) => {
    const regions = flavorRegions(flavor);

    test('every stack is deployed to a flavor region; the DNS stack to the primary', () => {
      const stacks = stacksOf(flavor);
      for (const stack of stacks) expect(regions).toContain(stack.environment.region);
      expect(stacks.find((s) => s.stackName === `${flavor.name}-dns`)?.environment.region).toBe(flavor.primaryRegion);
    });

    test('every DLM copy goes to a flavor region other than its source, encrypted with the key in that region', () => {
      for (const stack of stacksOf(flavor).filter((s) => s.stackName !== `${flavor.name}-dns`)) {
        const source = stack.environment.region;
        const policies = resourcesOf(stack, 'AWS::DLM::LifecyclePolicy');
        expect(policies).toHaveLength(1);
        const rules: Record<string, unknown>[] = policies[0].Properties.PolicyDetails.Schedules[0].CrossRegionCopyRules ?? [];
        // The copies are exactly the planned destinations: never the source, at most 3, only flavor regions
        expect(rules.map((r) => r.Target)).toEqual(snapshotCopyDestinations(flavor, source));
        expect(rules.length).toBeLessThanOrEqual(3);
        for (const rule of rules) {
          expect(regions).toContain(rule.Target);
          expect(rule.Target).not.toBe(source);
          expect(rule.Encrypted).toBe(true);
          expect(regionsMentioned(JSON.stringify(rule.CmkArn))).toEqual([rule.Target]);
        }
      }
    });

    test('the multi-Region key lives in the primary; replicas only in the fallback regions', () => {
      for (const stack of stacksOf(flavor).filter((s) => s.stackName !== `${flavor.name}-dns`)) {
        const replicas = resourcesOf(stack, 'AWS::KMS::ReplicaKey');
        const primaries = resourcesOf(stack, 'AWS::KMS::Key').filter((k) => k.Properties.MultiRegion);
        if (stack.environment.region === flavor.primaryRegion) {
          expect([primaries.length, replicas.length]).toEqual([1, 0]);
        } else {
          expect(flavor.fallbackRegions).toContain(stack.environment.region);
          expect([primaries.length, replicas.length]).toEqual([0, 1]);
        }
      }
    });

    test('every DNS record target and health check names flavor regions only, and reaches each of them', () => {
      const dns = stacksOf(flavor).find((s) => s.stackName === `${flavor.name}-dns`)!;
      const targets = resourcesOf(dns, 'AWS::Route53::RecordSet').flatMap((r) => r.Properties.ResourceRecords as string[]);
      const probed = resourcesOf(dns, 'AWS::Route53::HealthCheck')
        .map((c) => c.Properties.HealthCheckConfig.FullyQualifiedDomainName)
        .filter(Boolean);
      expect([...new Set(targets.flatMap(regionsMentioned))].sort()).toEqual([...regions].sort());
      expect([...new Set(probed.flatMap(regionsMentioned))].sort()).toEqual([...regions].sort());
    });
  });
});

describe('a foreign region injected into a flavor is caught', () => {
  test('a hand-made flavor copying snapshots outside its regions is refused while building the stage', () => {
    // Given us-australia built by hand (bypassing defineFlavor) with a copy to Ireland
    const handMade: Flavor = { ...usAustralia, backup: { ...usAustralia.backup, copyTo: ['eu-west-1'] } };
    // Then the stage cannot even be built
    expect(() => new FlavorStage(testApp(), { flavor: handMade, account: '333333333333', dns: DNS })).toThrow(
      expect.objectContaining({ code: 'BACKUP_COPY_NOT_FLAVOR_REGION' }),
    );
  });

  test('a stage whose flavor names a region outside the declared residency fails checkAssemblyResidency on every rule', () => {
    // Given a hand-made "us-australia" whose fallback is eu-west-1, checked against the real us-australia regions
    const handMade: Flavor = {
      ...usAustralia,
      regions: [
        { region: 'us-east-1', role: 'primary' },
        { region: 'eu-west-1', role: 'fallback' },
      ],
      fallbackRegions: ['eu-west-1'],
    };
    const handMadeApp = testApp();
    new FlavorStage(handMadeApp, { flavor: handMade, account: '333333333333', dns: DNS });
    // When
    const violations = checkAssemblyResidency(handMadeApp.synth(), { 'us-australia': flavorRegions(usAustralia) });
    // Then the stack region, the DLM copy, the DNS failover target and the catch-all scan all fire
    const rules = new Set(violations.map((v) => v.ruleId));
    expect([...rules].sort()).toEqual(
      expect.arrayContaining(['RES_DLM_COPY_TARGET', 'RES_FOREIGN_REGION', 'RES_ROUTE53_TARGET', 'RES_STACK_REGION']),
    );
    expect(violations).toContainEqual(
      expect.objectContaining({
        ruleId: 'RES_DLM_COPY_TARGET',
        stack: 'us-australia-us-east-1',
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target',
        message: "copies snapshots to eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      }),
    );
    expect(violations).toContainEqual(
      expect.objectContaining({
        ruleId: 'RES_ROUTE53_TARGET',
        stack: 'us-australia-dns',
        location: 'Properties/ResourceRecords/0',
        message: "failover record sends clients to eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      }),
    );
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RES_STACK_REGION', stack: 'us-australia-eu-west-1' }));
  });
});

const EXAMPLE_ZONE = { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' };
const REGIONS = { 'mysql-x': ['us-east-1', 'ap-southeast-2'] };

function stage(props: Partial<FlavorStageProps> = {}) {
  const stageApp = testApp();
  const s = new FlavorStage(stageApp, { flavor: MYSQL_FLAVOR, account: '333333333333', dns: EXAMPLE_ZONE, ...props });
  return { app: stageApp, stage: s };
}

describe('FlavorStage endpoints and the MySQL endpoint', () => {
  describe('given the mysql flavor with an endpoint in its primary region only', () => {
    const { app: mysqlApp, stage: s } = stage({ endpoints: { 'us-east-1': importedAlb('us-east-1') } });
    const mysqlAssembly = mysqlApp.synth();
    const primary = s.regionStacks.get('us-east-1')!;
    const fallback = s.regionStacks.get('ap-southeast-2')!;

    test("then the primary region stack holds <region>.<flavor>.<zone> aliased to the team's ALB", () => {
      Template.fromStack(primary).hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'us-east-1.mysql-x.flavors.example.com.',
        Type: 'A',
        AliasTarget: { DNSName: 'dualstack.internal-api-123456789.us-east-1.elb.amazonaws.com', HostedZoneId: 'Z35SXDOTRQ7X7K' },
      });
      expect(primary.endpoint?.recordName).toBe('us-east-1.mysql-x.flavors.example.com');
    });

    test('then the region without an endpoint gets a warning that its health check will fail', () => {
      expect(fallback.endpoint).toBeUndefined();
      Annotations.fromStack(fallback).hasWarning(
        '/mysql-x/ap-southeast-2',
        Match.stringLikeRegexp(
          'mysql-x has no endpoint in ap-southeast-2: nothing creates ' +
            'ap-southeast-2\\.mysql-x\\.flavors\\.example\\.com, so the RegionalFailover health check probing it fails',
        ),
      );
      Annotations.fromStack(primary).hasNoWarning('/mysql-x/us-east-1', Match.stringLikeRegexp('has no endpoint'));
    });

    test('then the DNS stack probes the path the endpoint serves', () => {
      Template.fromStack(s.dnsStack!).hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ FullyQualifiedDomainName: 'us-east-1.mysql-x.flavors.example.com', ResourcePath: '/healthz' }),
      });
    });

    test('then every region of the mysql database has the NLB (3306, 33060) and <db>.<region>.<flavor>.<zone>', () => {
      for (const [region, stack] of s.regionStacks) {
        const template = Template.fromStack(stack);
        template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 33060, Protocol: 'TCP' });
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3306, Protocol: 'TCP' });
        template.hasResourceProperties('AWS::Route53::RecordSet', { Name: `orders.${region}.mysql-x.flavors.example.com.` });
        expect(stack.mysqlEndpoints.get('orders')?.recordName).toBe(`orders.${region}.mysql-x.flavors.example.com`);
      }
    });

    test('then the assembly passes the residency check', () => {
      expect(checkAssemblyResidency(mysqlAssembly, REGIONS)).toEqual([]);
    });
  });

  test("given the primary region's endpoint pointing at an ALB in the fallback region, then the residency check names it", () => {
    const { app: foreignApp } = stage({ endpoints: { 'us-east-1': importedAlb('us-east-1', 'ap-southeast-2') } });
    const violations = checkAssemblyResidency(foreignApp.synth(), REGIONS).filter((v) => v.ruleId === 'RES_REGIONAL_ENDPOINT_ALIAS');
    expect(violations.map((v) => `${v.stack} ${v.location}`)).toEqual([
      'mysql-x-us-east-1 Properties/AliasTarget/DNSName',
      'mysql-x-us-east-1 Properties/AliasTarget/HostedZoneId',
    ]);
  });

  test('given an endpoint for a region outside the flavor and no dns, then one error names both', () => {
    expect(() => stage({ dns: undefined, endpoints: { 'eu-west-1': importedAlb('eu-west-1') } })).toThrow(
      new FlavorsError(
        'FLAVOR_STAGE_ENDPOINTS_INVALID',
        [
          'FlavorStage mysql-x:',
          "  endpoints.eu-west-1: eu-west-1 is not a region of mysql-x (us-east-1, ap-southeast-2); endpoints are keyed by the flavor's regions.",
          "  endpoints: the records <region>.mysql-x.<zone> need a zone; pass dns (cdk.json context 'dns').",
        ].join('\n'),
      ),
    );
  });

  test('given a region stack built directly with an endpoint but no zone, then it refuses instead of dropping the endpoint', () => {
    expect(
      () =>
        new RegionStack(testApp(), 'us-east-1', {
          env: { account: '333333333333', region: 'us-east-1' },
          flavor: MYSQL_FLAVOR,
          role: 'primary',
          endpoint: importedAlb('us-east-1'),
        }),
    ).toThrow(
      new FlavorsError(
        'REGION_STACK_ENDPOINT_WITHOUT_DNS',
        'us-east-1: an endpoint needs the flavor zone (props.dns) for its record <region>.<flavor>.<zone>.',
      ),
    );
  });

  test('given endpoints serving health on different paths, then the stage refuses: Route 53 probes one path', () => {
    const other = (region: string) => (scope: Parameters<ReturnType<typeof importedAlb>>[0]) => ({
      ...importedAlb(region)(scope),
      healthCheckPath: '/status',
    });
    expect(() => stage({ endpoints: { 'us-east-1': importedAlb('us-east-1'), 'ap-southeast-2': other('ap-southeast-2') } })).toThrow(
      /FLAVOR_STAGE_ENDPOINT_PATHS_DIFFER|different paths \(us-east-1: \/healthz, ap-southeast-2: \/status\)/,
    );
  });
});
