import type * as cxapi from 'aws-cdk-lib/cx-api';
import { accountResolver, parseDnsContext } from '../../bin/context';
import * as path from 'path';
import { snapshotCopyDestinations } from '../../lib/backup/copy-destinations';
import { flavorRegions } from '../../lib/flavor/define-flavor';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { regionsMentioned } from '../../lib/residency/rules/foreign-region-reference';
import usAustralia from '../../flavors/us-australia';
import { FlavorStage } from '../../stacks/flavor-stage';
import { addFlavorStages } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';

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

describe('flavor residency: every stack, copy target, key replica and DNS target is a flavor region', () => {
  // Given the app as `cdk synth` builds it: every flavor with its region stacks and DNS stack
  const app = testApp();
  const { stages, stageRegions } = addFlavorStages(app, FLAVORS, ACCOUNTS, DNS);
  const assembly = app.synth();
  const stacksOf = (flavor: Flavor) => assembly.getNestedAssembly(stages.find((s) => s.stageName === flavor.name)!.artifactId).stacks;

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
    const app = testApp();
    new FlavorStage(app, { flavor: handMade, account: '333333333333', dns: DNS });
    // When
    const violations = checkAssemblyResidency(app.synth(), { 'us-australia': flavorRegions(usAustralia) });
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
