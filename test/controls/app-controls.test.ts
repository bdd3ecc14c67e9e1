import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkSuppressionReason } from '../../lib/nag-suppressions';
import { FlavorStage } from '../../stacks/flavor-stage';
import { testApp } from '../helpers/cdk-app';
import { importedAlb, MYSQL_FLAVOR } from '../helpers/data-traffic-flavor';
import { CONTROL_TOWER_ACKNOWLEDGMENTS, DATA_TRAFFIC_ACKNOWLEDGMENTS, type ControlAcknowledgment } from './acknowledgments';
import { analyzeRule, BUNDLED_RULE_COUNT, BUNDLED_RULES, checkTemplates, type ControlFinding } from './control-tower';
import { addNagPacks, synthesizeApp, synthesizedStacks, type SynthesizedApp, type SynthesizedStack } from './synth-app';

/** The cdk-nag metadata of one resource, as written into a template. */
interface NagMetadata {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: readonly string[];
}
type NagTemplate = { Resources: Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress?: NagMetadata[] } } }> };
const resourcesOf = (templatePath: string) => Object.values((JSON.parse(fs.readFileSync(templatePath, 'utf-8')) as NagTemplate).Resources);

const NAG_FINDING = /^(AwsSolutions|NIST\.800\.53\.R5|PCI\.DSS\.321)-/;
const matches = (ack: ControlAcknowledgment, f: ControlFinding) => ack.control === f.control && ack.logicalId === f.logicalId;
const show = (f: ControlFinding) => `${f.control} ${f.stackName} ${f.logicalId}`;

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

// What the MySQL endpoint adds to the pinned flavor-region suppressions above (reasons in lib/database/mysql-endpoint.ts).
const MYSQL_ENDPOINT_SUPPRESSIONS = ['AwsSolutions-ELB2', 'NIST.800.53.R5-ELBLoggingEnabled', 'PCI.DSS.321-ELBLoggingEnabled'];
const MYSQL_LISTENER_SUPPRESSIONS = ['NIST.800.53.R5-ELBv2ACMCertificateRequired', 'PCI.DSS.321-ELBv2ACMCertificateRequired'];

/**
 * One synthesis of the whole app serves both checkers: the cdk-nag packs only add annotations (the
 * templates cfn-guard reads are byte for byte those of an app without them), so the app is
 * synthesized once, with the packs, as `cdk synth` would write it. cfn-guard runs in child processes,
 * so the data-traffic stage below is synthesized while it checks the app.
 */
let synth: SynthesizedApp;
let findings: ControlFinding[];
const dataTrafficOutdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-data-traffic-'));
let dataTraffic: SynthesizedStack[];
let dataTrafficFindings: ControlFinding[];

beforeAll(async () => {
  // Given the whole app, with the three packs added to each Stage (App-level aspects stop at Stages)
  // When it synthesizes (which runs the packs) and cfn-guard runs the bundled Control Tower rules over each template on disk
  synth = synthesizeApp(addNagPacks);
  const appChecked = checkTemplates(synth.stacks);
  // Given the test flavor's stage with a team ALB in each region and the three cdk-nag packs, when it synthesizes to disk
  const app = testApp({}, { outdir: dataTrafficOutdir });
  const stage = new FlavorStage(app, {
    flavor: MYSQL_FLAVOR,
    account: '333333333333',
    dns: { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' },
    endpoints: { 'us-east-1': importedAlb('us-east-1'), 'ap-southeast-2': importedAlb('ap-southeast-2') },
  });
  addNagPacks(stage);
  dataTraffic = synthesizedStacks(app.synth(), stage);
  [findings, dataTrafficFindings] = await Promise.all([appChecked, checkTemplates(dataTraffic)]);
});
afterAll(() => {
  synth.cleanup();
  fs.rmSync(dataTrafficOutdir, { recursive: true, force: true });
});

describe('the whole app, as `cdk synth` writes it (every flavor Stage and the control plane)', () => {
  describe('AWS Control Tower proactive controls over every template of the app', () => {
    test('then every stack of every stage was checked against the bundled rules', () => {
      expect(BUNDLED_RULE_COUNT).toBeGreaterThan(200);
      expect(new Set(synth.stacks.map((s) => s.stage))).toEqual(new Set(['global', 'germany-belgium', 'us-australia', 'control-plane']));
      expect(synth.stacks.map((s) => s.stackName)).toEqual(
        expect.arrayContaining([
          'global-us-east-1',
          'global-eu-west-1',
          'global-ap-southeast-1',
          'global-dns',
          'germany-belgium-eu-central-1',
          'germany-belgium-dns',
          'us-australia-us-east-1',
          'us-australia-ap-southeast-2',
          'us-australia-dns',
          'control-plane-us-east-1',
          'control-plane-eu-central-1',
          'control-plane-ap-southeast-2',
        ]),
      );
      for (const s of synth.stacks) expect(fs.existsSync(s.templatePath)).toBe(true);
    });

    test('then no finding is left without an acknowledgment', () => {
      const unlisted = findings.filter((f) => !CONTROL_TOWER_ACKNOWLEDGMENTS.some((a) => matches(a, f)));
      expect(unlisted.map(show)).toEqual([]);
    });

    test('then every acknowledgment still matches a finding (no stale entry)', () => {
      const stale = CONTROL_TOWER_ACKNOWLEDGMENTS.filter((a) => !findings.some((f) => matches(a, f)));
      expect(stale.map((a) => `${a.control} ${a.logicalId}`)).toEqual([]);
    });

    test('then fewer than ten acknowledgments remain, each unique and with a reason a reviewer can judge', () => {
      expect(CONTROL_TOWER_ACKNOWLEDGMENTS.length).toBeLessThan(10);
      const keys = CONTROL_TOWER_ACKNOWLEDGMENTS.map((a) => `${a.control} ${a.logicalId}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const a of CONTROL_TOWER_ACKNOWLEDGMENTS) expect(a.reason.trim().length).toBeGreaterThanOrEqual(40);
    });

    test('and the checker is live: a key without the CreateGrant guard and a Lambda outside a VPC are found', async () => {
      // Given a template with what the app's templates must not contain
      const file = path.join(synth.outdir, 'bad.template.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          Resources: {
            BareKey: {
              Type: 'AWS::KMS::Key',
              Properties: {
                KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] },
              },
            },
            Fn: {
              Type: 'AWS::Lambda::Function',
              Properties: { Role: 'arn:aws:iam::111111111111:role/r', Code: { ZipFile: 'x' }, Handler: 'index.handler', Runtime: 'nodejs22.x' },
            },
          },
        }),
      );
      // When it is checked, then both are reported with their control ids and logical ids
      const found = (await checkTemplates([{ templatePath: file, stackName: 'bad' }])).map(show);
      expect(found.sort()).toEqual(expect.arrayContaining(['CT.KMS.PR.3 bad BareKey', 'CT.LAMBDA.PR.3 bad Fn']));
    });
  });

  describe('cdk-nag AwsSolutions, NIST 800-53 R5 and PCI DSS 3.2.1 on every stage', () => {
    const suppressionsOf = (stack: string) =>
      resourcesOf(synth.stacks.find((s) => s.stackName === stack)!.templatePath).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);

    test('then the packs ran on every stack of every stage', () => {
      expect(Object.keys(PINNED_SUPPRESSED_RULES).sort()).toEqual([...new Set(synth.stacks.map((s) => s.stage))].sort());
      expect(synth.stacks).toHaveLength(12);
    });

    test('then no stack has an unsuppressed error or warning of any pack', () => {
      const nagFindings = synth.stacks.flatMap(({ stackName, messages }) =>
        messages
          .filter((m) => (m.level === 'error' || m.level === 'warning') && NAG_FINDING.test(m.data))
          .map((m) => `${stackName} ${m.id}: ${m.data.split(':')[0]}`),
      );
      expect(nagFindings).toEqual([]);
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
});

/**
 * The checked-in flavors have no `mysql` database on EC2 and no team endpoint, so the app-wide
 * control tests never see the MySQL NLB or a regional endpoint record: this runs the same three
 * checkers over a test-only flavor that has both.
 */
describe('controls over the data-traffic resources (test flavor mysql-x: MySQL NLB and regional endpoints)', () => {
  // Given the test flavor's stage, synthesized above (next to the app)
  test('then no pack reports an unsuppressed error or warning', () => {
    const nagFindings = dataTraffic.flatMap(({ stackName, messages }) =>
      messages
        .filter((m) => (m.level === 'error' || m.level === 'warning') && NAG_FINDING.test(m.data))
        .map((m) => `${stackName}: ${m.data.split(':')[0]}`),
    );
    expect(nagFindings).toEqual([]);
  });

  test('then the NLB suppresses only access logging and its listeners only the ACM certificate, with reasons', () => {
    const resources = dataTraffic.flatMap(({ templatePath }) => resourcesOf(templatePath));
    const nlbs = resources.filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(nlbs).toHaveLength(2);
    for (const nlb of nlbs) {
      const suppressions = nlb.Metadata?.cdk_nag?.rules_to_suppress ?? [];
      expect(suppressions.map((x) => x.id).sort()).toEqual([...MYSQL_ENDPOINT_SUPPRESSIONS].sort());
      for (const s of suppressions) expect(() => checkSuppressionReason(s)).not.toThrow();
    }
    const listeners = resources.filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners).toHaveLength(4);
    for (const l of listeners) expect((l.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((x) => x.id).sort()).toEqual(MYSQL_LISTENER_SUPPRESSIONS);
    for (const type of ['AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::Route53::RecordSet']) {
      for (const r of resources.filter((x) => x.Type === type)) expect(r.Metadata?.cdk_nag).toBeUndefined();
    }
  });

  test('then the Control Tower proactive controls find only acknowledged findings, and every data-traffic acknowledgment is used', () => {
    const found = dataTrafficFindings;
    const acknowledged = [...CONTROL_TOWER_ACKNOWLEDGMENTS, ...DATA_TRAFFIC_ACKNOWLEDGMENTS];
    const unlisted = found.filter((f) => !acknowledged.some((a) => matches(a, f)));
    expect(unlisted.map(show)).toEqual([]);
    const stale = DATA_TRAFFIC_ACKNOWLEDGMENTS.filter((a) => !found.some((f) => matches(a, f)));
    expect(stale).toEqual([]);
    for (const a of DATA_TRAFFIC_ACKNOWLEDGMENTS) expect(a.reason.length).toBeGreaterThanOrEqual(40);
  });
});

describe('which Control Tower rules a template is checked against', () => {
  const rule = (blocks: string) =>
    analyzeRule(
      'r',
      [
        'let KEY_TYPE = "AWS::KMS::Key"',
        'let INPUT_DOCUMENT = this',
        'let kms_keys = Resources.*[ Type == %KEY_TYPE ]',
        'let other = Resources.*[ Properties.X exists ]',
        blocks,
        'rule check(keys) {\n  %keys { KeyPolicy exists }\n}',
      ].join('\n'),
    );

  test('a rule that fires only when resources of its type exist is skipped for templates without one', () => {
    const analyzed = rule(
      'rule k when is_cfn_template(%INPUT_DOCUMENT)\n    %kms_keys not empty {\n  check(%kms_keys.Properties)\n}\n' +
        'rule k when is_cfn_hook(%INPUT_DOCUMENT, %KEY_TYPE) {\n  check(%INPUT_DOCUMENT.%KEY_TYPE.resourceProperties)\n}',
    );
    expect(analyzed.firesOn).toEqual(['AWS::KMS::Key']);
  });

  test.each([
    ['a block without a condition', 'rule k {\n  %kms_keys empty\n}'],
    ['a condition with or', 'rule k when is_cfn_template(%INPUT_DOCUMENT)\n    %kms_keys not empty or %other not empty {\n}'],
    ['a query that is not by type', 'rule k when is_cfn_template(%INPUT_DOCUMENT)\n    %other not empty {\n}'],
    [
      'a clause outside any rule',
      'Resources.*.Type exists\nrule k when is_cfn_template(%INPUT_DOCUMENT)\n    %kms_keys not empty {\n  check(%kms_keys.Properties)\n}',
    ],
  ])('%s: the rule runs whenever a type it names is present, as before', (_name, blocks) => {
    expect(rule(blocks)).toEqual({ name: 'r', types: ['AWS::KMS::Key'] });
  });

  test('all but a few bundled rules read as type-guarded; the rest fall back to the types they name', () => {
    const precise = BUNDLED_RULES.filter((r) => r.firesOn);
    expect(precise.length).toBeGreaterThan(BUNDLED_RULE_COUNT - 10);
    for (const r of precise) for (const t of r.firesOn!) expect(r.types).toContain(t);
  });
});
