import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeFailoverCommand } from '../../bin/commands/failover';
import type { ClientsFor } from '../../lib/ops/aws-clients';
import { isReplicaCluster } from '../../lib/ops/failover-kube';
import { FailoverStateStore } from '../../lib/ops/failover-state';
import { bufferIo } from '../lib/ops/cli-helpers';
import { testClients } from '../lib/ops/fake-aws';
import { cnpgWorld, type FakeCnpgWorld } from '../lib/ops/fake-cnpg';
import { buildWorld, FALLBACK, FLAVOR, NOW, PRIMARY, seedSpaces, startDynalite, startFenceDatabases, type FenceDatabases } from '../lib/ops/world';
import { scratchDir } from '../helpers/scratch-dir';

// `flavors failover --kube-context`: the us-australia flavor's k8s database `content` runs as a
// CloudNativePG primary cluster in us-east-1 and a replica cluster in ap-southeast-2.
jest.setTimeout(60000);

const NS = 'flavor-us-australia';
let store: { endpoint: string; close: () => Promise<void> };
let mocks: { restore: () => void } | undefined;
let clientsFor: ClientsFor;
let dynamodb: DynamoDBClient;
let stateDir: string;
let table: string;
let seq = 0;
let dbs: FenceDatabases;
let connectionsFile: string;
let kube: FakeCnpgWorld;

beforeAll(async () => {
  store = await startDynalite();
  // One set of clients for the file: each test has its own table, fake world and state folder.
  clientsFor = testClients(store.endpoint);
  dynamodb = clientsFor(PRIMARY).dynamodb;
  dbs = await startFenceDatabases();
  connectionsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-k8s-conn-')), 'connections.json');
  fs.writeFileSync(connectionsFile, JSON.stringify(Object.fromEntries(dbs.map)));
});
afterAll(async () => {
  await store.close();
  await dbs?.pg.stop();
  fs.rmSync(path.dirname(connectionsFile), { recursive: true, force: true });
});

beforeEach(async () => {
  seq += 1;
  table = `flavors-lookup-k8s-${seq}`;
  await seedSpaces(dynamodb, table);
  stateDir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-k8s-state-'));
  await dbs.reset();
  mocks = buildWorld().install();
  kube = cnpgWorld(FLAVOR.name, 'content', PRIMARY, [PRIMARY, FALLBACK]);
});

afterEach(() => {
  mocks?.restore();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

let ids = 0;
const failover = (args: string[], io = bufferIo().io, withKube = true) =>
  makeFailoverCommand({
    clientsFor: (region) => clientsFor(region),
    credentials: () => () => Promise.resolve({}),
    now: () => NOW,
    sleep: async () => {},
    poll: { attempts: 10, delayMs: 1 },
    onInterrupt: () => () => undefined,
    newFailoverId: () => `fo-k8s-${++ids}`,
    kubeFor: withKube ? kube.kubeFor : undefined,
  })(args, io);

const args = (...extra: string[]) => [
  'us-australia',
  '--to',
  FALLBACK,
  '--table-name',
  table,
  '--state-dir',
  stateDir,
  '--connections',
  connectionsFile,
  ...extra,
];

async function epoch(spaceId: string): Promise<number> {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: `SPACE#${spaceId}` }, sk: { S: 'SPACE' } }, ConsistentRead: true }),
  );
  return Number(out.Item!.epoch.N);
}

describe('flavors failover with k8s databases', () => {
  test('Given both regions up, When planning, Then the plan names the demotion and the token promotion, and nothing changes', async () => {
    const { io, out } = bufferIo();
    await expect(failover(args(), io)).resolves.toBe(0);
    const text = out.join('\n');
    expect(text).toContain(
      'content (k8s): demote Cluster flavor-us-australia/content in us-east-1 (context ctx-us-east-1): replica.primary content-ap-southeast-2',
    );
    expect(text).toContain(
      'content (k8s): promote Cluster flavor-us-australia/content in ap-southeast-2 ' +
        "(context ctx-ap-southeast-2) with the old primary's demotion token",
    );
    expect(text).toContain('content: bump flavors_fence in us-australia/ap-southeast-2/content');
    expect(text).not.toContain('skipped');
    expect([...kube.regions.values()].flatMap((r) => r.calls).filter((c) => c.startsWith('patch'))).toEqual([]);
  });

  test(
    'Given both regions up, When executing, Then fence, demote, promote ' + 'with the token, fence the target database, DNS, verify — in that order',
    async () => {
      const { io, out } = bufferIo();
      await expect(failover(args('--execute'), io)).resolves.toBe(0);
      const lines = out.filter((l) => /\[\d\/4 \w+\]/.test(l)).map((l) => l.replace(/^\S+ /, ''));
      const at = (re: RegExp) => {
        const i = lines.findIndex((l) => re.test(l));
        if (i < 0) throw new Error(`no progress line matches ${re}:\n${lines.join('\n')}`);
        return i;
      };
      expect(at(/content in us-east-1: flavors_fence bumped/)).toBeLessThan(at(/content: Cluster .* in us-east-1: demotion requested/));
      expect(at(/in us-east-1: demoted/)).toBeLessThan(at(/in ap-southeast-2: promotion requested with the demotion token/));
      expect(at(/in ap-southeast-2: primary \(switchover, no data lost\)/)).toBeLessThan(at(/content in ap-southeast-2: flavors_fence bumped/));
      expect(at(/content in ap-southeast-2: flavors_fence bumped/)).toBeLessThan(at(/\[3\/4 dns\] switch DNS: started/));
      expect(out.join('\n')).toContain('1 replica cluster(s) promoted');
      expect(out.at(-1)).toMatch(
        new RegExp(
          '^Kubernetes: the replica stanzas of content were patched \\(field manager flavors-failover\\); regenerate dist\\/k8s\\/us-australia ' +
            'with ap-southeast-2 as primary',
        ),
      );

      expect(kube.region(PRIMARY).write(NS, 'content')).toBe(false);
      expect(kube.region(FALLBACK).write(NS, 'content')).toBe(true);
      expect(isReplicaCluster(kube.region(PRIMARY).cluster(NS, 'content')!)).toBe(true);
      expect(await dbs.fences(`${FLAVOR.name}/${FALLBACK}/content`)).toMatchObject({ 's-alpha': { epoch: await epoch('s-alpha'), home: FALLBACK } });
      expect(new FailoverStateStore(stateDir, FLAVOR.name).read()).toMatchObject({
        status: 'done',
        k8s: { content: { demotion: { status: 'demoted' }, promotion: { mode: 'token', done: true } } },
        dbFence: { source: { content: { status: 'fenced' } } },
      });
    },
  );

  test(
    "Given no connection to the old primary's k8s database, When executing, Then no ingress " +
      "is cut, its cluster's demotion fences it and the target does not wait for old tokens",
    async () => {
      const partial = path.join(stateDir, 'connections.json');
      fs.writeFileSync(partial, JSON.stringify(Object.fromEntries([...dbs.map].filter(([k]) => k !== `${FLAVOR.name}/${PRIMARY}/content`))));
      const { io, out } = bufferIo();
      await expect(failover([...args('--execute'), '--connections', partial], io)).resolves.toBe(0);
      const text = out.join('\n');
      expect(text).toContain(
        'content: no connection for us-australia/us-east-1/content; the old ' +
          "primary counts as not answering, so only its cluster's demotion fences it",
      );
      expect(text).toContain('its cluster is demoted next');
      expect(text).not.toMatch(/waiting \d+ s until tokens of the old epoch expire/);
      expect(new FailoverStateStore(stateDir, FLAVOR.name).read()!.dbFence.source.content).toMatchObject({
        status: 'fenced',
        revoked: [],
        detail: expect.stringContaining('cluster demoted (read-only)'),
      });
    },
  );

  test(
    "Given the old region's Kubernetes does not answer, When executing without " +
      '--accept-data-loss, Then FAILOVER_K8S_NO_DEMOTION; with it, a plain promotion',
    async () => {
      kube.region(PRIMARY).reachable = false;
      const refused = bufferIo();
      await expect(failover(args('--execute'), refused.io)).resolves.toBe(1);
      expect(refused.err).toEqual([
        expect.stringMatching(
          /^error FAILOVER_K8S_NO_DEMOTION: content: the old primary's Cluster flavor-us-australia\/content in us-east-1 does not answer/,
        ),
      ]);
      expect(fs.existsSync(path.join(stateDir, 'failover-us-australia.json'))).toBe(false);

      const accepted = bufferIo();
      await expect(failover(args('--execute', '--accept-data-loss'), accepted.io)).resolves.toBe(0);
      expect(accepted.err).toEqual([expect.stringMatching(/^warning FAILOVER_K8S_NO_DEMOTION: accepted with --accept-data-loss/)]);
      expect(kube.region(FALLBACK).cluster(NS, 'content')!.spec.replica).toEqual({ enabled: false, source: 'content-us-east-1' });
      expect(kube.region(FALLBACK).write(NS, 'content')).toBe(true);
    },
  );

  test("Given the target's Kubernetes does not answer, When planning, Then FAILOVER_K8S_UNREACHABLE, even with --accept-data-loss", async () => {
    kube.region(FALLBACK).reachable = false;
    const { io, err } = bufferIo();
    await expect(failover(args('--execute', '--accept-data-loss'), io)).resolves.toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^error FAILOVER_K8S_UNREACHABLE: content: the Kubernetes API of ap-southeast-2 \(context ctx-ap-southeast-2\) does not answer/,
      ),
    ]);
  });

  test(
    'Given a demotion that never publishes its token, When executing, Then step 2 ' +
      'stops before promoting; --abort says how to give the old primary its role back',
    async () => {
      kube.region(PRIMARY).demotionReads = Infinity;
      await expect(failover(args('--execute'), bufferIo().io)).rejects.toMatchObject({
        code: 'FAILOVER_K8S_NO_DEMOTION',
        message: expect.stringContaining('step 2 (restore) failed'),
      });
      expect(isReplicaCluster(kube.region(FALLBACK).cluster(NS, 'content')!)).toBe(true);
      expect(kube.region(FALLBACK).calls.filter((c) => c.startsWith('patch'))).toEqual([]);

      // A resume without a Kubernetes client stops with one line instead of recording the clusters as unreachable.
      await expect(failover(args('--execute'), bufferIo().io, false)).rejects.toMatchObject({
        code: 'FAILOVER_K8S_NO_CLIENT',
        message: expect.stringContaining('rerun with --kube-context'),
      });
      expect(new FailoverStateStore(stateDir, FLAVOR.name).read()!.k8s.content.demotion?.status).toBe('requested');

      const aborted = bufferIo();
      await expect(failover(['us-australia', '--abort', '--state-dir', stateDir], aborted.io)).resolves.toBe(0);
      expect(aborted.out).toContain(
        '  k8s: content: Cluster flavor-us-australia/content in us-east-1 stays ' +
          'asked to demote (read-only; nothing was promoted). To make it primary again: ' +
          `kubectl --context ctx-us-east-1 patch clusters.postgresql.cnpg.io content ` +
          `-n ${NS} --type merge -p '{"spec":{"replica":{"primary":"content-us-east-1"}}}'`,
      );
    },
  );
});
