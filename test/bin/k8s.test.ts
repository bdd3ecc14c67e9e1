import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runFlavors, runFlavorsInProcess } from '../helpers/run-cli';

// The argument error runs bin/flavors.js (exit status, an `error CODE:` line and no stack trace from a real process: it stops
// before loading any flavor); the rest run runCli in this process.

describe('flavors k8s synth', () => {
  test('writes manifests per flavor region for flavors with k8s databases, with the account from cdk.json', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-cli-'));
    try {
      const { status, stdout } = await runFlavorsInProcess(['k8s', 'synth', '--out', out]);
      expect(status).toBe(0);
      expect(stdout).toContain('region manifest folder(s) written');
      const storage = fs.readFileSync(path.join(out, 'us-australia', 'ap-southeast-2', 'storage.yaml'), 'utf-8');
      expect(storage).toContain('kmsKeyId: arn:aws:kms:ap-southeast-2:333333333333:alias/flavors/us-australia');
      // germany-belgium has no k8s database: only the CDC of its EC2 PostgreSQL, and no MirrorMaker 2 (one region)
      expect(fs.readdirSync(path.join(out, 'germany-belgium', 'eu-central-1'))).toEqual(['cdc.yaml']);
      const cdc = fs.readFileSync(path.join(out, 'germany-belgium', 'eu-central-1', 'cdc.yaml'), 'utf-8');
      expect(cdc).toContain('kind: KafkaConnector');
      expect(cdc).not.toContain('KafkaMirrorMaker2');
      expect(fs.readFileSync(path.join(out, 'us-australia', 'ap-southeast-2', 'db-content.yaml'), 'utf-8')).toContain('kind: NetworkPolicy');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('Given a cdk.json Kafka outside a flavor, Then RESIDENCY_VIOLATION, exit 1 and nothing written', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-cli-'));
    try {
      fs.writeFileSync(
        path.join(cwd, 'cdk.json'),
        JSON.stringify({ context: { accounts: { default: '111111111111' }, k8s: { kafkaBootstrap: 'kafka.eu-west-1.shared.internal:9093' } } }),
      );
      const { status, stdout, stderr } = await runFlavorsInProcess(['k8s', 'synth', '--dir', path.join(ROOT, 'flavors'), '--out', 'out'], { cwd });
      expect(status).toBe(1);
      expect(stderr).toMatch(/^error RESIDENCY_VIOLATION: \d+ manifest\(s\) would move data outside their flavor; nothing was written:/);
      expect(stderr).toContain(
        'RES_K8S_ADDRESS_OUTSIDE: germany-belgium/eu-central-1 / KafkaConnect/germany-belgium-cdc ' +
          '/ spec/bootstrapServers: Kafka kafka.eu-west-1.shared.internal is not in eu-central-1',
      );
      expect(stdout).toBe('');
      expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('a wrong subcommand is one clear error and exit 1, without a stack trace', () => {
    const { status, stderr } = runFlavors(['k8s', 'apply']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_BAD_ARGUMENTS: expected 'flavors k8s synth', got 'flavors k8s apply'\./);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
