import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runFlavors } from '../helpers/run-cli';

describe('flavors k8s synth', () => {
  test('writes manifests per flavor region for flavors with k8s databases, with the account from cdk.json', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-cli-'));
    try {
      const { status, stdout } = runFlavors(['k8s', 'synth', '--out', out]);
      expect(status).toBe(0);
      expect(stdout).toContain('region manifest folder(s) written');
      const storage = fs.readFileSync(path.join(out, 'us-australia', 'ap-southeast-2', 'storage.yaml'), 'utf-8');
      expect(storage).toContain('kmsKeyId: arn:aws:kms:ap-southeast-2:333333333333:alias/flavors/us-australia');
      // germany-belgium declares no k8s database: nothing is written for it
      expect(fs.existsSync(path.join(out, 'germany-belgium'))).toBe(false);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a wrong subcommand is one clear error and exit 1', () => {
    const { status, stderr } = runFlavors(['k8s', 'apply']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_BAD_ARGUMENTS: expected 'flavors k8s synth', got 'flavors k8s apply'\./);
  });
});
