// The failover's write fence in the databases, against real PostgreSQL databases (embedded) and the
// fake AWS account: the old primary's fences move right after the lookup table's (or its ingress is
// cut when it does not answer), the target's before DNS sends writes there, and --abort opens the
// cut ingress again.
import * as fs from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { FenceError, SpaceWriteFence } from '../../../lib/fence';
import { connectionResolver } from '../../../lib/ops/connections';
import { abortFailover, runFailover } from '../../../lib/ops/failover-executor';
import { blockingRefusals, formatPlan, planFailover } from '../../../lib/ops/failover-plan';
import type { ClientsFor } from '../../../lib/ops/aws-clients';
import { FailoverStateStore, newFailoverState } from '../../../lib/ops/failover-state';
import { freePort } from '../../helpers/embedded-pg';
import { tokens } from '../fence/fence-fixtures';
import { awsError, testClients, type FakeAws } from './fake-aws';
import {
  buildWorld,
  FALLBACK,
  FLAVOR,
  LOOKUP,
  NOW,
  PRIMARY,
  seedSpaces,
  startDynalite,
  startFenceDatabases,
  TABLE,
  ZONE_ID,
  type FenceDatabases,
} from './world';
import { scratchDir } from '../../helpers/scratch-dir';

let store: { endpoint: string; close: () => Promise<void> };
let dbs: FenceDatabases;
let aws: FakeAws;
let mocks: { restore: () => void };
let dir: string;
let logs: string[];
let sleeps: number[];
let seq = 0;
let clientsFor: ClientsFor;

beforeAll(async () => {
  store = await startDynalite();
  // One set of clients for the file: each test has its own table and fake world.
  clientsFor = testClients(store.endpoint);
  dbs = await startFenceDatabases();
});

afterAll(async () => {
  await store.close();
  await dbs?.pg.stop();
});

beforeEach(async () => {
  aws = buildWorld();
  mocks = aws.install();
  dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-dbfence-'));
  logs = [];
  sleeps = [];
  await dbs.reset();
});

afterEach(() => {
  mocks.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

const USE1 = { ledger: `${FLAVOR.name}/${PRIMARY}/ledger`, reports: `${FLAVOR.name}/${PRIMARY}/reports` } as const;
const APSE2 = { ledger: `${FLAVOR.name}/${FALLBACK}/ledger`, reports: `${FLAVOR.name}/${FALLBACK}/reports` } as const;
const AFTER = {
  's-alpha': { epoch: 4, home: FALLBACK },
  's-bravo': { epoch: 4, home: FALLBACK },
  's-charlie': { epoch: 4, home: FALLBACK },
  's-delta': { epoch: 4, home: FALLBACK },
  's-pinned': { epoch: 4, home: PRIMARY },
};

/** A planned failover of us-australia to Sydney over `connections`; the old primary's URLs can be swapped for a dead port. */
async function start(options: { oldPrimaryDown?: boolean } = {}) {
  seq += 1;
  const lookup = { ...LOOKUP, tableName: `${TABLE}-db-${seq}` };
  await seedSpaces(clientsFor(PRIMARY).dynamodb, lookup.tableName);
  const map = new Map(dbs.map);
  if (options.oldPrimaryDown) {
    const dead = await freePort();
    for (const key of Object.values(USE1)) map.set(key, `postgresql://flavors:secret-pw@127.0.0.1:${dead}/gone`);
  }
  const connections = connectionResolver(map);
  const plan = await planFailover({ flavor: FLAVOR, target: FALLBACK, clientsFor, lookup, hostedZoneId: ZONE_ID, now: NOW, connections });
  expect(blockingRefusals(plan, false)).toEqual([]);
  const stateStore = new FailoverStateStore(dir, FLAVOR.name);
  const state = newFailoverState(plan, `fo-db-${seq}`, false, NOW);
  stateStore.write(state, NOW);
  const deps = {
    clientsFor,
    store: stateStore,
    log: (l: string) => logs.push(l),
    now: () => NOW,
    poll: { attempts: 3, delayMs: 1 },
    connections,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  return { plan, state, stateStore, deps, clientsFor };
}

describe('failover: the write fence in the databases', () => {
  test(
    'Given an old primary that answers, When the failover runs, Then its fences ' +
      "move before any restore, the target's before DNS, and no ingress is cut",
    async () => {
      const { plan, state, deps } = await start();
      expect(formatPlan(plan).join('\n')).toContain(`     ledger: bump flavors_fence in ${USE1.ledger} (postgresql://postgres:***@127.0.0.1:`);
      expect(formatPlan(plan).join('\n')).toContain(`     reports: bump flavors_fence in ${APSE2.reports} (postgresql://postgres:***@`);
      const seen: Record<string, unknown> = {};
      aws.onCall = async (command) => {
        if (command === 'CreateVolume' && !seen.restore)
          seen.restore = { ledger: await dbs.fences(USE1.ledger), reports: await dbs.fences(USE1.reports), target: await dbs.fences(APSE2.ledger) };
        if (command === 'ChangeResourceRecordSets') seen.dns = { ledger: await dbs.fences(APSE2.ledger), reports: await dbs.fences(APSE2.reports) };
      };

      await runFailover(state, FLAVOR, deps);

      expect(seen.restore).toEqual({ ledger: AFTER, reports: AFTER, target: {} });
      expect(seen.dns).toEqual({ ledger: AFTER, reports: AFTER });
      expect(aws.count('RevokeSecurityGroupIngress')).toBe(0);
      expect(sleeps.filter((ms) => ms > 1000)).toEqual([]);
      expect(state.dbFence.source).toMatchObject({ ledger: { status: 'fenced' }, reports: { status: 'fenced' } });
      expect(state.dbFence.target).toEqual({ ledger: { done: true, spaces: 5 }, reports: { done: true, spaces: 5 } });
    },
  );

  test(
    'Given the fences moved by a failover, When writers come with tokens, Then the old ' +
      'epoch is refused in the old primary and the new one accepted in the target only',
    async () => {
      const { state, deps } = await start();
      await runFailover(state, FLAVOR, deps);
      const t = await tokens();
      const pools = [new Pool({ connectionString: dbs.map.get(USE1.ledger) }), new Pool({ connectionString: dbs.map.get(APSE2.ledger) })];
      try {
        const [virginia, sydney] = [
          new SpaceWriteFence({ pool: pools[0], region: PRIMARY, trust: t.trust }),
          new SpaceWriteFence({ pool: pools[1], region: FALLBACK, trust: t.trust }),
        ];
        const code = (p: Promise<unknown>) =>
          p.then(
            () => 'accepted',
            (e) => (e instanceof FenceError ? e.code : String(e)),
          );
        expect(await code(virginia.write(await t.mint({ region: PRIMARY, epoch: 3 }), () => Promise.resolve('paid')))).toBe('FENCE_STALE_EPOCH');
        expect(await code(sydney.write(await t.mint({ region: PRIMARY, epoch: 3 }), () => Promise.resolve('paid')))).toBe('FENCE_WRONG_REGION');
        expect(await code(sydney.write(await t.mint({ region: FALLBACK, epoch: 4 }), () => Promise.resolve('paid')))).toBe('accepted');
        // The pinned space keeps its home: Virginia takes its writes at the new epoch once it is back, Sydney never.
        expect(await code(virginia.write(await t.mint({ space: 's-pinned', region: PRIMARY, epoch: 4 }), () => Promise.resolve('paid')))).toBe(
          'accepted',
        );
        expect(await code(sydney.write(await t.mint({ space: 's-pinned', region: FALLBACK, epoch: 4 }), () => Promise.resolve('paid')))).toBe(
          'FENCE_WRONG_REGION',
        );
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    },
  );

  test(
    'Given an old primary whose database does not answer, When the failover runs, Then the database ' +
      'port is cut on its groups (only that port), recorded, and the target waits out the old tokens',
    async () => {
      const { plan, state, stateStore, deps } = await start({ oldPrimaryDown: true });
      expect(formatPlan(plan).join('\n')).toContain(
        'revoke ingress on port 5432 of sg-ledger-p in us-east-1 (--abort authorizes ' +
          'it again), and ap-southeast-2 waits until tokens of the old epoch expire.',
      );
      expect(JSON.stringify(plan)).not.toContain('secret-pw');

      await runFailover(state, FLAVOR, deps);

      const virginia = aws.region(PRIMARY).securityGroups;
      expect(virginia.get('sg-ledger-p')!.IpPermissions).toEqual([
        { IpProtocol: 'tcp', FromPort: 9100, ToPort: 9100, IpRanges: [{ CidrIp: '10.1.0.0/16' }] },
      ]);
      expect(virginia.get('sg-reports-p')!.IpPermissions).toEqual([]);
      expect(aws.region(FALLBACK).securityGroups.get('sg-ledger-f')!.IpPermissions).toHaveLength(2);
      const saved = stateStore.read()!;
      expect(saved.dbFence.source.ledger).toMatchObject({
        status: 'isolated',
        revoked: [{ groupId: 'sg-ledger-p', permissions: [expect.objectContaining({ FromPort: 5432 })] }],
      });
      expect(saved.dbFence.source.reports).toMatchObject({ status: 'isolated', revoked: [{ groupId: 'sg-reports-p' }] });
      expect(JSON.stringify(saved)).not.toContain('secret-pw');
      // 300 s token lifetime + 30 s clock tolerance after the lookup fence (the clock stands still here), in 5 s slices
      expect(sleeps.filter((ms) => ms === 5000)).toHaveLength(66);
      expect(saved.dbFence.oldTokensExpireAt).toBe('2025-06-01T12:05:30.000Z');
      expect(await dbs.fences(APSE2.ledger)).toEqual(AFTER);
      expect(logs.some((l) => l.includes('ledger in us-east-1: isolated: revoked 1 ingress rule(s) on port 5432 of sg-ledger-p'))).toBe(true);
    },
  );

  test('Given ingress cut by a failover that then failed, When it is aborted, Then every revoked rule is authorized again', async () => {
    const { state, stateStore, deps, clientsFor } = await start({ oldPrimaryDown: true });
    // Rule order within a group means nothing to AWS.
    const rules = () =>
      [...aws.region(PRIMARY).securityGroups.values()].map((g) => ({ ...g, IpPermissions: g.IpPermissions.map((p) => JSON.stringify(p)).sort() }));
    const before = rules();
    aws.failNext('CreateVolume', awsError('InsufficientVolumeCapacity', 'no capacity (injected)'));
    await expect(runFailover(state, FLAVOR, deps)).rejects.toMatchObject({ code: 'FAILOVER_STEP_FAILED' });
    expect(aws.region(PRIMARY).securityGroups.get('sg-reports-p')!.IpPermissions).toEqual([]);

    const lines = await abortFailover(stateStore.read()!, { clientsFor, store: stateStore, now: () => NOW });

    expect(rules()).toEqual(before);
    expect(lines[0]).toBe(
      `failover ${state.failoverId} of us-australia (us-east-1 -> ap-southeast-2) ` +
        `aborted; nothing was undone but the ingress cut on the old primary.`,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        '  ingress: ledger: 1 rule(s) on sg-ledger-p authorized again.',
        '  ingress: reports: 1 rule(s) on sg-reports-p authorized again.',
      ]),
    );
    expect(stateStore.read()!.dbFence.source.ledger.revoked[0].reauthorized).toBe(true);
  });

  test('Given a rule already authorized again by hand, When the failover is aborted, Then the duplicate is not an error', async () => {
    const { state, stateStore, deps, clientsFor } = await start({ oldPrimaryDown: true });
    aws.failNext('CreateVolume', awsError('InsufficientVolumeCapacity', 'no capacity (injected)'));
    await expect(runFailover(state, FLAVOR, deps)).rejects.toMatchObject({ code: 'FAILOVER_STEP_FAILED' });
    aws
      .region(PRIMARY)
      .securityGroups.get('sg-reports-p')!
      .IpPermissions.push({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app-p', UserId: '333333333333' }] });
    await expect(abortFailover(stateStore.read()!, { clientsFor, store: stateStore, now: () => NOW })).resolves.toEqual(
      expect.arrayContaining(['  ingress: reports: 1 rule(s) on sg-reports-p authorized again.']),
    );
    expect(aws.region(PRIMARY).securityGroups.get('sg-reports-p')!.IpPermissions).toHaveLength(1);
  });

  test(
    'Given Ctrl-C during the wait for old tokens, When the failover runs, ' +
      'Then it stops there with the state saved and the target not yet fenced',
    async () => {
      const { state, stateStore, deps } = await start({ oldPrimaryDown: true });
      let stop = false;
      const run = runFailover(state, FLAVOR, {
        ...deps,
        sleep: (ms: number) => {
          sleeps.push(ms);
          if (ms === 5000) stop = true;
          return Promise.resolve();
        },
        shouldStop: () => stop,
      });
      await expect(run).rejects.toMatchObject({ code: 'FAILOVER_INTERRUPTED' });
      expect(sleeps.filter((ms) => ms === 5000)).toHaveLength(1);
      expect(stateStore.read()!.steps.restore).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(await dbs.fences(APSE2.ledger)).toEqual({});
    },
  );

  test(
    'Given an old primary whose database and API both do not answer, When the failover ' +
      'runs, Then it is reported exposed and the target still waits out the old tokens',
    async () => {
      const { state, deps } = await start({ oldPrimaryDown: true });
      aws.unreachable.add(PRIMARY);
      await runFailover(state, FLAVOR, deps);
      expect(state.dbFence.source.ledger).toMatchObject({ status: 'exposed', detail: expect.stringContaining('ingress: TimeoutError') });
      expect(sleeps.filter((ms) => ms === 5000).reduce((a, b) => a + b, 0)).toBe(330_000);
      expect(await dbs.fences(APSE2.reports)).toEqual(AFTER);
    },
  );

  test('Given no connection for a target database, When planned, Then FAILOVER_DB_FENCE_NO_CONNECTION names the key to add', async () => {
    await seedSpaces(clientsFor(PRIMARY).dynamodb, `${TABLE}-db-plan`);
    const map = new Map(dbs.map);
    map.delete(APSE2.reports);
    const plan = await planFailover({
      flavor: FLAVOR,
      target: FALLBACK,
      clientsFor,
      lookup: { ...LOOKUP, tableName: `${TABLE}-db-plan` },
      hostedZoneId: ZONE_ID,
      now: NOW,
      connections: connectionResolver(map),
    });
    expect(blockingRefusals(plan, true)).toEqual([
      {
        code: 'FAILOVER_DB_FENCE_NO_CONNECTION',
        overridable: false,
        message:
          `reports: no connection for ${APSE2.reports}; its flavors_fence must be bumped before ap-southeast-2 ` +
          `takes writes: add "${APSE2.reports}": "postgresql://…" to the connections file (--connections).`,
      },
    ]);
  });
});
