import * as fs from 'fs';
import * as path from 'path';
import { CONTROL_TOWER_ACKNOWLEDGMENTS, type ControlAcknowledgment } from './acknowledgments';
import { BUNDLED_RULE_COUNT, checkTemplate, type ControlFinding } from './control-tower';
import { synthesizeApp, type SynthesizedApp } from './synth-app';

const matches = (ack: ControlAcknowledgment, f: ControlFinding) => ack.control === f.control && ack.logicalId === f.logicalId;
const show = (f: ControlFinding) => `${f.control} ${f.stackName} ${f.logicalId}`;

describe('AWS Control Tower proactive controls over every template of the app', () => {
  let synth: SynthesizedApp;
  let findings: ControlFinding[];

  beforeAll(() => {
    // Given the app as `cdk synth` writes it (every flavor Stage and the control plane)
    synth = synthesizeApp();
    // When cfn-guard runs the bundled Control Tower rules over each template on disk
    findings = synth.stacks.flatMap((s) => checkTemplate(s.templatePath, s.stackName));
  });
  afterAll(() => synth.cleanup());

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

  test('and the checker is live: a key without the CreateGrant guard and a Lambda outside a VPC are found', () => {
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
    expect(checkTemplate(file, 'bad').map(show).sort()).toEqual(expect.arrayContaining(['CT.KMS.PR.3 bad BareKey', 'CT.LAMBDA.PR.3 bad Fn']));
  });
});
