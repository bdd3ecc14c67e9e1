import * as fs from 'fs';
import { Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { checkSuppressionReason } from '../../lib/nag-suppressions';
import { synthesizeApp, type SynthesizedApp } from './synth-app';

/** The cdk-nag metadata of one resource, as written into a template. */
interface NagMetadata {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: readonly string[];
}

const NAG_FINDING = /^(AwsSolutions|NIST\.800\.53\.R5|PCI\.DSS\.321)-/;

// The rules each stage suppresses somewhere, with a reason in the code. A new suppressed rule fails
// this test: add it here only after the reason has been reviewed.
const FLAVOR_REGION_STACKS = [
  'AwsSolutions-IAM4',
  'AwsSolutions-IAM5',
  'AwsSolutions-RDS11',
  'AwsSolutions-SMG4',
  'NIST.800.53.R5-EC2EBSInBackupPlan',
  'NIST.800.53.R5-EC2IMDSv2Enabled',
  'NIST.800.53.R5-EC2InstancesInVPC',
  'NIST.800.53.R5-IAMNoInlinePolicy',
  'NIST.800.53.R5-RDSInBackupPlan',
  'NIST.800.53.R5-SecretsManagerRotationEnabled',
  'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
  'PCI.DSS.321-EC2InstancesInVPC',
  'PCI.DSS.321-IAMNoInlinePolicy',
  'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW',
];
const PINNED_SUPPRESSED_RULES: Readonly<Record<string, readonly string[]>> = {
  // global has no rds database, so no RDS suppression
  global: FLAVOR_REGION_STACKS.filter((id) => !/RDS/.test(id)),
  'germany-belgium': FLAVOR_REGION_STACKS,
  // us-australia's fallback region holds a read replica: encryption inherited from its source
  'us-australia': [...FLAVOR_REGION_STACKS, 'AwsSolutions-RDS2', 'NIST.800.53.R5-RDSStorageEncrypted', 'PCI.DSS.321-RDSStorageEncrypted'],
  'control-plane': [
    'AwsSolutions-APIG4',
    'AwsSolutions-L1',
    'NIST.800.53.R5-IAMNoInlinePolicy',
    'NIST.800.53.R5-LambdaConcurrency',
    'NIST.800.53.R5-LambdaDLQ',
    'NIST.800.53.R5-LambdaInsideVPC',
    'PCI.DSS.321-IAMNoInlinePolicy',
    'PCI.DSS.321-LambdaInsideVPC',
  ],
};

describe('cdk-nag AwsSolutions, NIST 800-53 R5 and PCI DSS 3.2.1 on every stage', () => {
  let synth: SynthesizedApp;
  const suppressionsOf = (stack: string) => {
    const template = JSON.parse(fs.readFileSync(synth.stacks.find((s) => s.stackName === stack)!.templatePath, 'utf-8')) as {
      Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: NagMetadata[] } } }>;
    };
    return Object.values(template.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  };

  beforeAll(() => {
    // Given the whole app, with the three packs added to each Stage (App-level aspects stop at Stages)
    // When it synthesizes (which runs the packs)
    synth = synthesizeApp((stage) => {
      for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()]) Aspects.of(stage).add(pack);
    });
  });
  afterAll(() => synth.cleanup());

  test('then the packs ran on every stack of every stage', () => {
    expect(Object.keys(PINNED_SUPPRESSED_RULES).sort()).toEqual([...new Set(synth.stacks.map((s) => s.stage))].sort());
    expect(synth.stacks).toHaveLength(12);
  });

  test('then no stack has an unsuppressed error or warning of any pack', () => {
    const findings = synth.stacks.flatMap(({ stackName, messages }) =>
      messages
        .filter((m) => (m.level === 'error' || m.level === 'warning') && NAG_FINDING.test(m.data))
        .map((m) => `${stackName} ${m.id}: ${m.data.split(':')[0]}`),
    );
    expect(findings).toEqual([]);
    // (the messages are read: the project's own warnings are there)
    expect(synth.stacks.flatMap((s) => s.messages).map((m) => m.data)).toEqual(
      expect.arrayContaining([expect.stringContaining('[ack: flavors:backup:in-region-only]')]),
    );
  });

  test.each(Object.entries(PINNED_SUPPRESSED_RULES))('then %s suppresses exactly its pinned rules', (stage, pinned) => {
    const ids = synth.stacks.filter((s) => s.stage === stage).flatMap((s) => suppressionsOf(s.stackName).map((x) => x.id));
    expect([...new Set(ids)].sort()).toEqual([...pinned].sort());
  });

  test('then every suppression has a specific reason, and no IAM4/IAM5 suppression is blanket', () => {
    const all = synth.stacks.flatMap((s) => suppressionsOf(s.stackName));
    expect(all.length).toBeGreaterThan(0);
    for (const suppression of all) expect(() => checkSuppressionReason(suppression)).not.toThrow();
    const perFinding = all.filter((s) => /-IAM[45]$/.test(s.id));
    expect(perFinding.length).toBeGreaterThan(0);
    for (const s of perFinding) expect(s.applies_to?.length).toBeGreaterThan(0);
  });
});
