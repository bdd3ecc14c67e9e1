import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers/run-cli';

/** Runs the real CDK CLI against bin/app.ts with no AWS credentials and an empty HOME, as on a fresh machine. */
function cdk(args: string[]) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-home-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  try {
    return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), [...args, '--output', out], {
      cwd: ROOT,
      encoding: 'utf-8',
      timeout: 120000,
      env: { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

describe('CDK app (bin/app.ts) through the CDK CLI, offline', () => {
  test("`cdk ls '**'` lists one stack per flavor region, with no credentials", () => {
    const result = cdk(['ls', '**']);
    expect(result.stderr).not.toMatch(/credentials|Need to perform AWS calls/i);
    expect(result.status).toBe(0);
    const stacks = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(stacks).toEqual(
      expect.arrayContaining([
        'germany-belgium/eu-central-1',
        'global/us-east-1',
        'global/eu-west-1',
        'global/ap-southeast-1',
        'us-australia/us-east-1',
        'us-australia/ap-southeast-2',
      ]),
    );
  });

  test('a broken flavor folder fails synth with the file, field and code, and no stack trace', () => {
    const result = cdk(['synth', '**', '--quiet', '-c', `flavorsDir=${path.join(ROOT, 'test', 'fixtures', 'flavors')}`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/region-outside-residency\.ts: regions\[1\]\.region: FLAVOR_REGION_OUTSIDE_RESIDENCY/);
    expect(result.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  test('a stage that escapes its flavor fails `cdk synth` (exit 1) through both nets: the ResidencyGuard and the assembly check', () => {
    // Given the real app with one resource injected into us-australia's us-east-1 stack: a table replica in eu-west-1
    const result = cdk([
      'synth',
      '**',
      '--quiet',
      '--app',
      `${path.join(ROOT, 'node_modules', '.bin', 'tsx')} test/fixtures/escape/escaping-app.ts`,
      '-c',
      `flavorsDir=${path.join(ROOT, 'test', 'fixtures', 'escape', 'flavors')}`,
    ]);
    const output = `${result.stdout}\n${result.stderr}`;
    // Then synth fails with the stable code
    expect(result.status).toBe(1);
    expect(output).toContain('error RESIDENCY_VIOLATION: residency check failed');
    // And the guard's annotation names the construct path, resource type, region and rule (gone if FlavorStage drops the guard)
    expect(output).toContain(
      'RESIDENCY_VIOLATION: AWS::DynamoDB::GlobalTable us-australia/us-east-1/InjectedEscape: replica in eu-west-1, outside the allowed ' +
        'regions (us-east-1, ap-southeast-2) (at Properties/Replicas/1/Region) [RES_GLOBAL_TABLE_REPLICA_REGION, flavor us-australia]',
    );
    // And bin/app.ts's post-synth check of the written template reports it too (gone if that check is deleted)
    expect(output).toContain(
      'RES_GLOBAL_TABLE_REPLICA_REGION: us-australia / us-australia-us-east-1 / InjectedEscape / Properties/Replicas/1/Region: replica in eu-west-1',
    );
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });
});
