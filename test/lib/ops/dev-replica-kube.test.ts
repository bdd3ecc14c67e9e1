import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KUBE_KINDS, kubectlFor } from '../../../lib/ops/dev-replica-kube';

// A stand-in `kubectl` on disk: records its arguments and stdin, answers like kubectl does.
let dir: string;
let binary: string;
const FAKE =
  `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
let stdin = '';
try { stdin = fs.readFileSync(0, 'utf-8'); } catch {}
fs.appendFileSync(process.env.KUBECTL_LOG || __dirname + '/log.jsonl', JSON.stringify({ args, stdin }) + '\\n');
if (args.includes('boom')) { process.stderr.write('Error from server (Forbidden): clusters "boom" is forbidden\\nmore detail\\n'); process.exit(1); }
if (args[2] === 'get' && args.includes('-l')) { process.stdout.write(JSON.stringify({ ` +
  `items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n' } }] })); }
else if (args[2] === 'get' && args.includes('present')) { process.stdout.write(JSON.stringify({ ` +
  `apiVersion: 'v1', kind: 'Secret', metadata: { name: 'present' } })); }
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-kubectl-'));
  binary = path.join(dir, 'kubectl');
  fs.writeFileSync(binary, FAKE, { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const calls = () =>
  fs
    .readFileSync(path.join(dir, 'log.jsonl'), 'utf-8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { args: string[]; stdin: string });

test("Given a region, when the kubectl client is used, then each call names the region's context and the right resource", async () => {
  const kube = kubectlFor('arn:aws:eks:{region}:1:cluster/flavors', binary)('us-east-1');
  expect(await kube.list(KUBE_KINDS.cluster, undefined, 'flavors/dev-replica')).toHaveLength(1);
  expect(await kube.get(KUBE_KINDS.secret, 'n', 'missing')).toBeUndefined();
  expect(await kube.get(KUBE_KINDS.secret, 'n', 'present')).toMatchObject({ metadata: { name: 'present' } });
  await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { password: 'hunter2hunter2' } });
  await kube.delete(KUBE_KINDS.volumeSnapshotContent, undefined, 'c');
  const log = calls();
  expect(log.map((c) => c.args.join(' '))).toEqual([
    '--context arn:aws:eks:us-east-1:1:cluster/flavors get clusters.postgresql.cnpg.io --all-namespaces -l flavors/dev-replica -o json',
    '--context arn:aws:eks:us-east-1:1:cluster/flavors get secrets missing -n n --ignore-not-found -o json',
    '--context arn:aws:eks:us-east-1:1:cluster/flavors get secrets present -n n --ignore-not-found -o json',
    '--context arn:aws:eks:us-east-1:1:cluster/flavors apply --server-side --field-manager flavors-dev-replica -f -',
    '--context arn:aws:eks:us-east-1:1:cluster/flavors delete volumesnapshotcontents.snapshot.storage.k8s.io c --ignore-not-found --wait=false',
  ]);
  // The Secret goes in on stdin, never in the arguments.
  expect(log[3].stdin).toContain('hunter2hunter2');
  expect(log.some((c) => c.args.join(' ').includes('hunter2'))).toBe(false);
});

test('Given kubectl fails, when called, then one DEV_REPLICA_KUBECTL_FAILED line with its first error line', async () => {
  const kube = kubectlFor(undefined, binary)('ap-southeast-2');
  await expect(kube.get(KUBE_KINDS.cluster, 'n', 'boom')).rejects.toMatchObject({
    code: 'DEV_REPLICA_KUBECTL_FAILED',
    message:
      'kubectl --context ap-southeast-2 get clusters.postgresql.cnpg.io boom -n n ' +
      '--ignore-not-found -o json: Error from server (Forbidden): clusters "boom" is forbidden',
  });
});
