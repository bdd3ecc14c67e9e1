import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as path from 'path';
import { SNAPSHOT_TARGET_TAG_KEY } from '../../../lib/backup/defaults';
import { DB_DATA_DEVICE, DB_TAGS } from '../../../lib/database/tags';
import { FlavorsError } from '../../../lib/errors';
import { failoverLockKey, flavorMoveKey, spaceKey } from '../../../lib/lookup/runtime/schema-keys';
import { spaceItem } from '../../../lib/lookup/runtime/records';
import type { ClientsFor } from '../../../lib/ops/aws-clients';
import { FAILOVER_TAGS, REPLACED_DATA_ROLE } from '../../../lib/ops/defaults';
import { abortFailover, FailoverInterrupted, runFailover } from '../../../lib/ops/failover-executor';
import { blockingRefusals, planFailover, type FailoverPlan } from '../../../lib/ops/failover-plan';
import { FailoverStateStore, newFailoverState, type FailoverState } from '../../../lib/ops/failover-state';
import { awsError, testClients, type FakeAws } from './fake-aws';
import {
  buildWorld,
  FALLBACK,
  FLAVOR,
  LOOKUP,
  NOW,
  PRIMARY,
  SPACES,
  startDynalite,
  startFenceDatabases,
  SYDNEY_KEY,
  TABLE,
  ZONE_ID,
  seedSpaces,
  type FenceDatabases,
} from './world';
import { scratchDir } from '../../helpers/scratch-dir';

jest.setTimeout(30000);

let store: { endpoint: string; close: () => Promise<void> };
let aws: FakeAws;
let mocks: { restore: () => void };
let clientsFor: ClientsFor;
let dynamodb: DynamoDBClient;
let dir: string;
let logs: string[];
let tableSeq = 0;
let lookup = LOOKUP;

let dbs: FenceDatabases;

beforeAll(async () => {
  store = await startDynalite();
  // One set of clients for the file: each test has its own table and fake world.
  clientsFor = testClients(store.endpoint);
  dynamodb = clientsFor(PRIMARY).dynamodb;
  dbs = await startFenceDatabases();
});

afterAll(async () => {
  await store.close();
  await dbs?.pg.stop();
});

beforeEach(async () => {
  aws = buildWorld();
  mocks = aws.install();
  // A fresh table per test keeps tests independent on the shared store.
  tableSeq += 1;
  lookup = { ...LOOKUP, tableName: `${TABLE}-${tableSeq}` };
  await seedSpaces(dynamodb, lookup.tableName);
  dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-failover-'));
  logs = [];
  await dbs.reset();
});

afterEach(() => {
  mocks.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function space(id: string): Promise<{ epoch: number; homeRegion: string }> {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: lookup.tableName, Key: { pk: { S: spaceKey(id).pk }, sk: { S: 'SPACE' } }, ConsistentRead: true }),
  );
  return { epoch: Number(out.Item!.epoch.N), homeRegion: out.Item!.homeRegion.S! };
}

async function plan(): Promise<FailoverPlan> {
  const p = await planFailover({
    flavor: FLAVOR,
    target: FALLBACK,
    clientsFor,
    lookup,
    hostedZoneId: ZONE_ID,
    now: NOW,
    connections: dbs.connections,
  });
  expect(blockingRefusals(p, false)).toEqual([]);
  return p;
}

async function start(id = 'fo-test-1', stateDir = dir): Promise<{ state: FailoverState; stateStore: FailoverStateStore }> {
  const stateStore = new FailoverStateStore(stateDir, FLAVOR.name);
  const state = newFailoverState(await plan(), id, false, NOW);
  stateStore.write(state, NOW);
  return { state, stateStore };
}

function deps(stateStore: FailoverStateStore, extra: { shouldStop?: () => boolean } = {}) {
  return {
    clientsFor,
    store: stateStore,
    log: (l: string) => logs.push(l),
    now: () => NOW,
    sleep: async () => {},
    poll: { attempts: 10, delayMs: 1 },
    connections: dbs.connections,
    ...extra,
  };
}

function failOnCall(command: string, nth: number): void {
  let seen = 0;
  aws.onCall = (c) => {
    if (c === command && ++seen === nth) throw awsError('InternalError', `${command} failed (injected)`);
  };
}

describe('runFailover', () => {
  test('a full execute fences every space, restores each node from its newest copy, promotes the replica, switches DNS and verifies', async () => {
    // Given a planned failover of us-australia to Sydney
    const { state, stateStore } = await start();

    // When it runs
    const done = await runFailover(state, FLAVOR, deps(stateStore));

    // Then every step is done and recorded on disk
    expect(done.status).toBe('done');
    expect(stateStore.read()!.steps).toEqual({
      fence: expect.objectContaining({ status: 'done' }),
      restore: expect.objectContaining({ status: 'done' }),
      dns: expect.objectContaining({ status: 'done' }),
      verify: expect.objectContaining({ status: 'done' }),
    });
    // Fencing: every space of the flavor one epoch up; homes moved except the pinned space; other flavors untouched
    for (const id of ['s-alpha', 's-bravo', 's-charlie', 's-delta']) expect(await space(id)).toEqual({ epoch: 4, homeRegion: FALLBACK });
    expect(await space('s-pinned')).toEqual({ epoch: 4, homeRegion: PRIMARY });
    expect(await space('s-elsewhere')).toEqual({ epoch: 7, homeRegion: PRIMARY });
    // Restore: each standby node runs on a new encrypted volume made from its node's newest copy
    const sydney = aws.region(FALLBACK);
    for (let n = 0; n < 3; n++) {
      const node = sydney.instances.get(`i-f${n}`)!;
      const restored = sydney.volumes.get(node.devices[DB_DATA_DEVICE])!;
      expect(node.State).toBe('running');
      expect(restored).toMatchObject({
        SnapshotId: `snap-c${n}new`,
        Encrypted: true,
        KmsKeyId: SYDNEY_KEY,
        AvailabilityZone: node.AvailabilityZone,
        VolumeType: 'gp3',
        Iops: 6000,
        Throughput: 250,
      });
      expect(restored.Tags).toEqual(
        expect.arrayContaining([
          { Key: FAILOVER_TAGS.failoverId, Value: 'fo-test-1' },
          { Key: DB_TAGS.node, Value: String(n) },
          { Key: DB_TAGS.role, Value: 'db-data' },
          { Key: SNAPSHOT_TARGET_TAG_KEY, Value: 'us-australia/db-data' },
          { Key: 'Name', Value: `ledger-${n}` },
        ]),
      );
      const old = sydney.volumes.get(`vol-f${n}`)!;
      expect(old.State).toBe('available');
      expect(old.Tags).toEqual(
        expect.arrayContaining([
          { Key: DB_TAGS.role, Value: REPLACED_DATA_ROLE },
          { Key: FAILOVER_TAGS.replacedBy, Value: restored.VolumeId },
        ]),
      );
      expect(old.Tags.some((t) => t.Key === SNAPSHOT_TARGET_TAG_KEY)).toBe(false);
    }
    expect(sydney.violations).toEqual([]);
    expect(aws.count('CreateVolume')).toBe(3);
    // The us-east-1 databases are never written to
    expect(aws.calls.filter((c) => c.service !== 'route53' && c.region === PRIMARY && !c.command.startsWith('Describe'))).toEqual([]);
    // RDS: the replica is standalone
    expect(aws.rdsRegion(FALLBACK).instances[0]).toMatchObject({ DBInstanceStatus: 'available' });
    expect(aws.rdsRegion(FALLBACK).instances[0].ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(aws.count('PromoteReadReplica')).toBe(1);
    // DNS: Sydney is PRIMARY, Virginia SECONDARY, each keeping its own health check
    expect(aws.zone.records.map((r) => [r.SetIdentifier, r.Failover, r.HealthCheckId]).sort()).toEqual([
      ['us-australia-ap-southeast-2', 'PRIMARY', 'hc-ap-southeast-2'],
      ['us-australia-us-east-1', 'SECONDARY', 'hc-us-east-1'],
    ]);
    expect(aws.count('GetChange')).toBeGreaterThanOrEqual(2);
    // The flavor lock is released
    const lock = await dynamodb.send(
      new GetItemCommand({
        TableName: lookup.tableName,
        Key: { pk: { S: failoverLockKey(FLAVOR.name).pk }, sk: { S: 'FAILOVER_LOCK' } },
        ConsistentRead: true,
      }),
    );
    expect(lock.Item).toBeUndefined();
    // Each step logged its progress
    for (const step of ['[1/4 fence]', '[2/4 restore]', '[3/4 dns]', '[4/4 verify]']) expect(logs.some((l) => l.includes(step))).toBe(true);
  });

  test('a failure in step 2 is recorded; the rerun resumes after the last finished item and does nothing twice', async () => {
    // Given a failover whose second attach fails
    const { state, stateStore } = await start();
    failOnCall('AttachVolume', 2);

    // When it runs, then it stops with the step and the state file named
    const first = runFailover(state, FLAVOR, deps(stateStore));
    await expect(first).rejects.toThrow(FlavorsError);
    await expect(first).rejects.toMatchObject({
      code: 'FAILOVER_STEP_FAILED',
      message: expect.stringContaining('step 2 (restore) failed: InternalError: AttachVolume failed (injected)'),
    });
    const saved = stateStore.read()!;
    expect(saved.steps.fence.status).toBe('done');
    expect(saved.steps.restore).toMatchObject({ status: 'failed', error: expect.stringContaining('injected') });
    expect(saved.restore.volumes['ledger/0']).toMatchObject({ done: true });
    expect(saved.restore.volumes['ledger/1']).toMatchObject({ done: false, volumeId: expect.stringMatching(/^vol-/) });
    expect(saved.steps.dns.status).toBe('pending');

    // When it runs again from the saved state
    aws.onCall = undefined;
    const done = await runFailover(saved, FLAVOR, deps(stateStore));

    // Then it finishes, and nothing was done twice
    expect(done.status).toBe('done');
    for (const id of ['s-alpha', 's-bravo', 's-charlie', 's-delta']) expect((await space(id)).epoch).toBe(4);
    expect(aws.count('CreateVolume')).toBe(3);
    const restored = [...aws.region(FALLBACK).volumes.values()].filter(
      (v) =>
        v.Tags.some((t) => t.Key === FAILOVER_TAGS.failoverId && t.Value === 'fo-test-1') && !v.Tags.some((t) => t.Key === FAILOVER_TAGS.replacedBy),
    );
    expect(restored).toHaveLength(3);
    expect(aws.count('PromoteReadReplica')).toBe(1);
    expect(aws.count('ChangeResourceRecordSets')).toBe(1);
    expect(aws.region(FALLBACK).violations).toEqual([]);
  });

  test('a restored volume created just before a crash is found by its tag, not created again', async () => {
    // Given a run that died right after CreateVolume answered (the state never learned the volume id)
    const { state, stateStore } = await start();
    aws.onCall = (c) => {
      if (c === 'DescribeVolumes' && aws.count('CreateVolume') === 1) throw awsError('RequestTimeout', 'connection lost (injected)');
    };
    await expect(runFailover(state, FLAVOR, deps(stateStore))).rejects.toMatchObject({ code: 'FAILOVER_STEP_FAILED' });
    const saved = stateStore.read()!;
    saved.restore.volumes['ledger/0'] = { done: false };

    // When it runs again
    aws.onCall = undefined;
    await runFailover(saved, FLAVOR, deps(stateStore));

    // Then node 0 uses the volume made before the crash, and no second one exists
    expect(aws.count('CreateVolume')).toBe(3);
    const fromSnapshot = [...aws.region(FALLBACK).volumes.values()].filter((v) => v.SnapshotId === 'snap-c0new');
    expect(fromSnapshot).toHaveLength(1);
    expect(aws.region(FALLBACK).instances.get('i-f0')!.devices[DB_DATA_DEVICE]).toBe(fromSnapshot[0].VolumeId);
  });

  test('Ctrl-C stops after the current item with the state saved; a rerun finishes the rest', async () => {
    // Given an operator who presses Ctrl-C while node 0 is being restored
    const { state, stateStore } = await start();
    let stop = false;
    aws.onCall = (c) => {
      if (c === 'CreateVolume') stop = true;
    };

    // When it runs, then it stops at the next safe point
    await expect(runFailover(state, FLAVOR, deps(stateStore, { shouldStop: () => stop }))).rejects.toBeInstanceOf(FailoverInterrupted);
    const saved = stateStore.read()!;
    expect(saved.restore.volumes['ledger/0'].done).toBe(true);
    expect(saved.restore.volumes['ledger/1']).toBeUndefined();
    expect(saved.steps.restore).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(aws.count('CreateVolume')).toBe(1);

    // When it runs again
    stop = false;
    aws.onCall = undefined;
    const done = await runFailover(saved, FLAVOR, deps(stateStore, { shouldStop: () => stop }));

    // Then it completes without repeating node 0
    expect(done.status).toBe('done');
    expect(aws.count('CreateVolume')).toBe(3);
  });

  test('a conditional write that landed before an interruption is recognised, not repeated', async () => {
    // Given a state that recorded the epochs it expects, and s-alpha already bumped by this failover's lost write
    const { state, stateStore } = await start();
    for (const id of SPACES) state.fence.spaces[id] = { seen: 3, target: 4, keepHome: id === 's-pinned', status: 'pending' };
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: lookup.tableName,
        Key: { pk: { S: 'SPACE#s-alpha' }, sk: { S: 'SPACE' } },
        UpdateExpression: 'SET epoch = :e, homeRegion = :h',
        ExpressionAttributeValues: { ':e': { N: '4' }, ':h': { S: FALLBACK } },
      }),
    );

    // When it runs
    await runFailover(state, FLAVOR, deps(stateStore));

    // Then s-alpha stays at 4 (not 5) and is counted as fenced
    expect(await space('s-alpha')).toEqual({ epoch: 4, homeRegion: FALLBACK });
    expect(state.fence.spaces['s-alpha'].status).toBe('done');
  });

  test('a space changed by someone else after it was read stops fencing with FAILOVER_CONCURRENT', async () => {
    // Given a state that read epoch 3 everywhere, and a space move that bumped s-bravo meanwhile
    const { state, stateStore } = await start();
    for (const id of SPACES) state.fence.spaces[id] = { seen: 3, target: 4, keepHome: id === 's-pinned', status: 'pending' };
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: lookup.tableName,
        Key: { pk: { S: 'SPACE#s-bravo' }, sk: { S: 'SPACE' } },
        UpdateExpression: 'SET epoch = :e',
        ExpressionAttributeValues: { ':e': { N: '4' } },
      }),
    );

    // When it runs, then it refuses to overwrite the other writer's epoch
    await expect(runFailover(state, FLAVOR, deps(stateStore))).rejects.toMatchObject({
      code: 'FAILOVER_CONCURRENT',
      message: expect.stringContaining('space s-bravo is at epoch 4 (home us-east-1) but this failover read epoch 3'),
    });
    expect(await space('s-bravo')).toEqual({ epoch: 4, homeRegion: PRIMARY });
    expect(stateStore.read()!.steps.fence.status).toBe('failed');
    expect(aws.count('CreateVolume')).toBe(0);
  });

  test('two concurrent failovers: exactly one wins, the other changes nothing and can never resume', async () => {
    // Given two operators who planned the same failover from two machines
    const a = await start('fo-test-a', path.join(dir, 'a'));
    const b = await start('fo-test-b', path.join(dir, 'b'));

    // When both execute at once
    const results = await Promise.allSettled([runFailover(a.state, FLAVOR, deps(a.stateStore)), runFailover(b.state, FLAVOR, deps(b.stateStore))]);

    // Then exactly one finishes and the other stops with FAILOVER_CONCURRENT
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatchObject({ code: 'FAILOVER_CONCURRENT' });
    const loser = results[0].status === 'rejected' ? a : b;
    expect(loser.stateStore.read()!.status).toBe('aborted');
    // Every space was bumped exactly once, and each node restored once
    for (const id of SPACES) expect((await space(id)).epoch).toBe(4);
    expect(aws.count('CreateVolume')).toBe(3);
    await expect(runFailover(loser.stateStore.read()!, FLAVOR, deps(loser.stateStore))).rejects.toMatchObject({ code: 'FAILOVER_NOT_IN_PROGRESS' });
  });

  test('verify sends the run back through fencing when a space appeared after fencing', async () => {
    // Given a space created while DNS was switching
    const { state, stateStore } = await start();
    aws.onCall = async (c) => {
      if (c === 'ChangeResourceRecordSets') {
        await dynamodb.send(
          new PutItemCommand({
            TableName: lookup.tableName,
            Item: spaceItem({ spaceId: 's-echo', clientId: 'c-bank', flavor: FLAVOR.name, homeRegion: PRIMARY, epoch: 1 }),
          }),
        );
      }
    };

    // When it runs, then verify fails and names it
    await expect(runFailover(state, FLAVOR, deps(stateStore))).rejects.toMatchObject({
      code: 'FAILOVER_VERIFY_FAILED',
      message: expect.stringContaining('s-echo'),
    });
    const saved = stateStore.read()!;
    expect(saved.steps.fence.status).toBe('pending');

    // When it runs again, then it fences the new space only and finishes
    aws.onCall = undefined;
    await runFailover(saved, FLAVOR, deps(stateStore));
    expect(await space('s-echo')).toEqual({ epoch: 2, homeRegion: FALLBACK });
    expect((await space('s-alpha')).epoch).toBe(4);
    expect(aws.count('CreateVolume')).toBe(3);
  });
});

describe('abortFailover', () => {
  test('releases the lock and marks the state aborted without undoing finished steps', async () => {
    // Given a failover that failed in step 2
    const { state, stateStore } = await start();
    failOnCall('CreateVolume', 2);
    await expect(runFailover(state, FLAVOR, deps(stateStore))).rejects.toMatchObject({ code: 'FAILOVER_STEP_FAILED' });

    // When it is aborted
    const lines = await abortFailover(stateStore.read()!, { clientsFor, store: stateStore, now: () => NOW });

    // Then the lock is gone, the state says aborted, and fenced spaces stay fenced
    const lock = await dynamodb.send(
      new GetItemCommand({
        TableName: lookup.tableName,
        Key: { pk: { S: failoverLockKey(FLAVOR.name).pk }, sk: { S: 'FAILOVER_LOCK' } },
        ConsistentRead: true,
      }),
    );
    expect(lock.Item).toBeUndefined();
    expect(stateStore.read()!.status).toBe('aborted');
    expect(await space('s-alpha')).toEqual({ epoch: 4, homeRegion: FALLBACK });
    expect(lines.join('\n')).toContain('fence: 5 space(s) at a new epoch, 4 homed in ap-southeast-2');
    expect(lines.join('\n')).toContain('restore: 1/3 volume(s) swapped');
    expect(lines.join('\n')).toContain('lock: released');
    await expect(runFailover(stateStore.read()!, FLAVOR, deps(stateStore))).rejects.toMatchObject({ code: 'FAILOVER_NOT_IN_PROGRESS' });
  });

  test(
    'Given a move of a space of the flavor that started after the plan, when ' +
      'the failover runs, then it stops before fencing and releases its lock',
    async () => {
      const { state, stateStore } = await start();
      const mark = flavorMoveKey(FLAVOR.name, 's-moving');
      await dynamodb.send(
        new PutItemCommand({
          TableName: lookup.tableName,
          Item: {
            pk: { S: mark.pk },
            sk: { S: mark.sk },
            owner: { S: 'mv-1' },
            spaceId: { S: 's-moving' },
            source: { S: FLAVOR.name },
            target: { S: 'global' },
            startedAt: { S: NOW.toISOString() },
          },
        }),
      );
      const before = await space(SPACES[0]);

      await expect(runFailover(state, FLAVOR, deps(stateStore))).rejects.toMatchObject({
        code: 'FAILOVER_MOVE_IN_PROGRESS',
        message: expect.stringContaining('space s-moving is being moved (mv-1'),
      });

      expect(await space(SPACES[0])).toEqual(before);
      expect(stateStore.read()!.status).toBe('aborted');
      const lock = await dynamodb.send(
        new GetItemCommand({
          TableName: lookup.tableName,
          Key: { pk: { S: failoverLockKey(FLAVOR.name).pk }, sk: { S: 'FAILOVER_LOCK' } },
          ConsistentRead: true,
        }),
      );
      expect(lock.Item).toBeUndefined();
    },
  );
});
