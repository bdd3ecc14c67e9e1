import { Aspects, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flavorRegions } from '../../lib/flavor/define-flavor';
import type { Flavor } from '../../lib/flavor/types';
import { messageText } from '../../lib/residency/check-assembly';
import { regionsMentioned } from '../../lib/residency/rules/foreign-region-reference';
import germanyBelgium from '../../flavors/germany-belgium';
import globalFlavor from '../../flavors/global';
import usAustralia from '../../flavors/us-australia';
import { FlavorDnsStack } from '../../stacks/flavor-dns-stack';
import { FlavorStage } from '../../stacks/flavor-stage';
import { testApp } from '../helpers/cdk-app';

const ZONE = { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' };

const synthesized = new Map<string, { stack: FlavorDnsStack; template: Template; messages: readonly cxapi.SynthesisMessage[] }>();

/**
 * The flavor's DNS stack, synthesized once per file with cdk-nag's AwsSolutions pack applied: the tests only read it.
 * The pack only annotates (the template is the same without it), and its messages are read from this synth:
 * Annotations.fromStack would synthesize the app again.
 */
function dnsStack(flavor: Flavor) {
  let result = synthesized.get(flavor.name);
  if (!result) {
    const stage = new Stage(testApp(), flavor.name);
    Aspects.of(stage).add(new AwsSolutionsChecks());
    const stack = new FlavorDnsStack(stage, 'Dns', { env: { account: '333333333333', region: flavor.primaryRegion }, flavor, zone: ZONE });
    const template = Template.fromStack(stack);
    result = { stack, template, messages: stage.synth().getStackArtifact(stack.artifactId).messages };
    synthesized.set(flavor.name, result);
  }
  return result;
}

describe('FlavorDnsStack', () => {
  test.each([usAustralia, globalFlavor, germanyBelgium])('$name: deployed in the primary region with termination protection', (flavor) => {
    const { stack } = dnsStack(flavor);
    expect(stack.region).toBe(flavor.primaryRegion);
    expect(stack.terminationProtection).toBe(true);
  });

  test.each([usAustralia, globalFlavor, germanyBelgium])('$name: every DNS target and health check names only flavor regions', (flavor) => {
    // Given the synthesized DNS stack
    const { template } = dnsStack(flavor);
    const records = Object.values(template.findResources('AWS::Route53::RecordSet'));
    const checks = Object.values(template.findResources('AWS::Route53::HealthCheck'));
    // Then each record points at a regional endpoint of the flavor or at the next name of its chain
    const targets = records.flatMap((r) => r.Properties.ResourceRecords as string[]);
    for (const target of targets) {
      const named = regionsMentioned(target);
      if (named.length === 0) expect(target).toMatch(new RegExp(`^fallback-\\d+\\.${flavor.name}\\.flavors\\.example\\.com$`));
      else expect(flavorRegions(flavor)).toEqual(expect.arrayContaining(named));
    }
    // And every region of the flavor is reachable: one record per region
    expect(targets.flatMap(regionsMentioned).sort()).toEqual(flavorRegions(flavor).sort());
    const fqdns = checks.map((c) => c.Properties.HealthCheckConfig.FullyQualifiedDomainName).filter(Boolean);
    expect(fqdns.flatMap(regionsMentioned).sort()).toEqual(flavorRegions(flavor).sort());
    for (const check of checks) expect(check.Properties.HealthCheckConfig.Regions).toBeUndefined();
  });

  test('germany-belgium (dns manual, one region): one simple record, no failover', () => {
    const { template } = dnsStack(germanyBelgium);
    template.resourceCountIs('AWS::Route53::RecordSet', 1);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'germany-belgium.flavors.example.com', Failover: Match.absent() });
  });

  test('us-australia: the flavor endpoint fails over from us-east-1 to ap-southeast-2', () => {
    const { template } = dnsStack(usAustralia);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'PRIMARY',
      ResourceRecords: ['us-east-1.us-australia.flavors.example.com'],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'SECONDARY',
      ResourceRecords: ['ap-southeast-2.us-australia.flavors.example.com'],
    });
  });

  test.each([usAustralia, globalFlavor, germanyBelgium])('$name: cdk-nag AwsSolutions finds no unsuppressed error or warning', (flavor) => {
    const { messages } = dnsStack(flavor);
    const nagFindings = messages.filter(
      (m) =>
        [cxapi.SynthesisMessageLevel.ERROR, cxapi.SynthesisMessageLevel.WARNING].includes(m.level) && /AwsSolutions-/.test(messageText(m.entry.data)),
    );
    expect(nagFindings).toEqual([]);
  });
});

describe('FlavorStage wiring', () => {
  test('with a zone the stage holds <flavor>-dns in the primary region; without one, no DNS stack', () => {
    const withDns = new FlavorStage(testApp(), { flavor: usAustralia, account: '333333333333', dns: ZONE });
    expect(withDns.dnsStack).toMatchObject({ stackName: 'us-australia-dns', region: 'us-east-1', account: '333333333333' });
    expect(new FlavorStage(testApp(), { flavor: usAustralia, account: '333333333333' }).dnsStack).toBeUndefined();
  });
});
