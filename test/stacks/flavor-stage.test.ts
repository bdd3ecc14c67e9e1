import { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { parseDnsContext } from '../../bin/context';
import { FlavorsError } from '../../lib/errors';
import { defineFlavor, flavorRegions } from '../../lib/flavor/define-flavor';
import type { Flavor } from '../../lib/flavor/types';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import usAustralia from '../../flavors/us-australia';
import { FlavorStage, type FlavorStageProps } from '../../stacks/flavor-stage';
import { RegionStack } from '../../stacks/region-stack';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';
import { importedAlb, MYSQL_FLAVOR } from '../helpers/data-traffic-flavor';
import { checkFlavorStage, flavorStageStaysInside, validFlavorSpec } from '../helpers/flavor-property';

// FlavorStages and RegionStacks built directly, one small app per test, and the residency property over
// random flavors. (The app `cdk synth` builds, synthesized once and read by many tests: flavors-app.test.ts.)
const DNS = parseDnsContext(CDK_CONTEXT.dns)!;

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

describe('RegionStack wiring', () => {
  const flavor = (
    databases: Flavor['databases'],
    regions = [
      { region: 'ap-southeast-2', role: 'fallback' as const },
      { region: 'us-east-1', role: 'primary' as const },
    ],
  ) => defineFlavor({ name: 'order-test', residency: 'global', regions, databases });

  test('a fallback region listed before the primary still replicates the primary key', () => {
    const stage = new FlavorStage(testApp(), { flavor: flavor({}), account: '111111111111' });
    expect([...stage.regionStacks.keys()]).toEqual(['us-east-1', 'ap-southeast-2']);
    Template.fromStack(stage.regionStacks.get('ap-southeast-2')!).resourceCountIs('AWS::KMS::ReplicaKey', 1);
  });

  test('a fallback stack without the primary stack is refused', () => {
    const f = flavor({});
    expect(
      () => new RegionStack(testApp(), 'x', { env: { account: '111111111111', region: 'ap-southeast-2' }, flavor: f, role: 'fallback' }),
    ).toThrow(
      'x: primary: REGION_STACK_PRIMARY_MISSING: a fallback region stack needs the ' +
        "primary region's stack (props.primary) to replicate its key and databases.",
    );
  });

  test("adding or renaming another database leaves a database's logical ids alone (construct id = its name)", () => {
    const ledger = { platform: 'ec2' as const, engine: 'postgres' as const, instanceType: 'r5.large', nodes: 2, volume: { sizeGiB: 50 } };
    const ids = (databases: Flavor['databases']) => {
      const stage = new FlavorStage(testApp(), { flavor: flavor(databases, [{ region: 'us-east-1', role: 'primary' }]), account: '111111111111' });
      return Object.keys(Template.fromStack(stage.regionStacks.get('us-east-1')!).toJSON().Resources).filter((id) => id.startsWith('ledger'));
    };
    const before = ids({ ledger });
    expect(before.length).toBeGreaterThan(5);
    expect(ids({ ledger, orders: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 20 } })).toEqual(before);
    expect(ids({ ledger, billing: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 20 } })).toEqual(before);
  });
});

/**
 * A run costs ~0.3 s of CPU (a whole FlavorStage synth), so `npm test` keeps to a few and CI proves
 * 100 more with a fresh seed each time (`.ci/run`: `npm run prove -- --runs 100`); `npm run prove`
 * alone runs 1,000 (bench/prove.ts).
 */
const RUNS_IN_TEST = 10;

describe('property: any valid flavor synthesizes a stage with nothing outside its regions', () => {
  test('the generator only makes flavors defineFlavor accepts, across residencies, region counts and platforms', () => {
    const samples = fc.sample(validFlavorSpec, { numRuns: 300, seed: 1 });
    const flavors = samples.map((spec) => defineFlavor(spec));
    // Given that the property below is only as good as its inputs: they cover what it claims
    expect(new Set(flavors.map((f) => f.regions.length))).toEqual(new Set([1, 2, 3, 4]));
    expect(flavors.some((f) => f.residency === 'global') && flavors.some((f) => f.residency !== 'global')).toBe(true);
    const platforms = new Set(flavors.flatMap((f) => Object.values(f.databases).map((d) => d.platform)));
    expect(platforms).toEqual(new Set(['ec2', 'rds', 'k8s']));
    expect(flavors.some((f) => Array.isArray(f.backup.copyTo)) && flavors.some((f) => f.backup.copyTo === 'fallbacks')).toBe(true);
  });

  test('the check is live: a resource naming a region outside the flavor fails both the guard and the assembly check', () => {
    // Given us-australia with one resource in its primary stack that points at Ireland
    const check = checkFlavorStage(usAustralia, (stage) => {
      new CfnResource(stage.regionStacks.get('us-east-1')!, 'Foreign', {
        type: 'AWS::SSM::Parameter',
        properties: { Type: 'String', Value: 'arn:aws:kms:eu-west-1:111111111111:key/abc' },
      });
    });
    // Then the guard's error annotation and the post-synth check both name it
    expect(check.errors).toEqual([expect.stringMatching(/RESIDENCY_VIOLATION: AWS::SSM::Parameter .*Foreign: references eu-west-1/)]);
    expect(check.violations).toEqual([expect.stringMatching(/^RES_FOREIGN_REGION: us-australia \/ us-australia-us-east-1 \/ Foreign/)]);
  });

  test(`${RUNS_IN_TEST} random flavors: no error annotation (ResidencyGuard) and no assembly violation`, () => {
    // When each is synthesized alone in its own App; fast-check prints the seed and the shrunk flavor on failure
    fc.assert(flavorStageStaysInside, { numRuns: RUNS_IN_TEST });
  });
});
