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
      cwd: ROOT, encoding: 'utf-8', timeout: 120000,
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
    const stacks = result.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(stacks).toEqual(expect.arrayContaining([
      'germany-belgium/eu-central-1', 'global/us-east-1', 'global/eu-west-1', 'global/ap-southeast-1',
      'us-australia/us-east-1', 'us-australia/ap-southeast-2',
    ]));
  });

  test('a broken flavor folder fails synth with the file, field and code, and no stack trace', () => {
    const result = cdk(['synth', '**', '--quiet', '-c', `flavorsDir=${path.join(ROOT, 'test', 'fixtures', 'flavors')}`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/region-outside-residency\.ts: regions\[1\]\.region: FLAVOR_REGION_OUTSIDE_RESIDENCY/);
    expect(result.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });
});
