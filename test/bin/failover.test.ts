import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeFailoverCommand } from '../../bin/commands/failover';
import type { ClientsFor } from '../../lib/ops/aws-clients';
import { FailoverStateStore } from '../../lib/ops/failover-state';
import { bufferIo, runWithoutCredentials } from '../lib/ops/cli-helpers';
import { awsError, testClients, type FakeAws } from '../lib/ops/fake-aws';
import {
  buildWorld,
  FALLBACK,
  NOW,
  PRIMARY,
  seedSpaces,
  startDynalite,
  startFenceDatabases,
  type FenceDatabases,
  type WorldOptions,
} from '../lib/ops/world';
import { ROOT } from '../helpers/run-cli';
import { scratchDir } from '../helpers/scratch-dir';

jest.setTimeout(60000);

let store: { endpoint: string; close: () => Promise<void> };
let aws: FakeAws;
let mocks: { restore: () => void } | undefined;
let clientsFor: ClientsFor;
let dynamodb: DynamoDBClient;
let stateDir: string;
let table: string;
let seq = 0;
let interrupt: (() => void) | undefined;

let dbs: FenceDatabases;
let connectionsFile: string;

beforeAll(async () => {
  store = await startDynalite();
  // One set of clients for the file: each test has its own table, fake world and state folder.
  clientsFor = testClients(store.endpoint);
  dynamodb = clientsFor(PRIMARY).dynamodb;
  dbs = await startFenceDatabases();
  connectionsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-cli-conn-')), 'connections.json');
  fs.writeFileSync(connectionsFile, JSON.stringify(Object.fromEntries(dbs.map)));
});
afterAll(async () => {
  await store.close();
  await dbs?.pg.stop();
  fs.rmSync(path.dirname(connectionsFile), { recursive: true, force: true });
});

beforeEach(async () => {
  seq += 1;
  table = `flavors-lookup-cli-${seq}`;
  await seedSpaces(dynamodb, table);
  stateDir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-cli-state-'));
  interrupt = undefined;
  await dbs.reset();
});

afterEach(() => {
  mocks?.restore();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function world(options: WorldOptions = {}): void {
  aws = buildWorld(options);
  mocks = aws.install();
}

let ids = 0;
const failover = makeFailoverCommand({
  clientsFor: (region) => clientsFor(region),
  credentials: () => () => Promise.resolve({}),
  now: () => NOW,
  sleep: async () => {},
  poll: { attempts: 10, delayMs: 1 },
  onInterrupt: (handler) => {
    interrupt = handler;
    return () => {
      interrupt = undefined;
    };
  },
  newFailoverId: () => `fo-cli-${++ids}`,
});

// The zone and lookup region come from the repository's cdk.json (dns.hostedZoneId, controlPlane.regions).
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

describe('flavors failover (plan)', () => {
  test('prints a numbered plan and changes nothing', async () => {
    world();
    const { io, out, err } = bufferIo();
    await expect(failover(args(), io)).resolves.toBe(0);
    expect(out[0]).toBe(
      'Failover plan for us-australia: us-east-1 -> ap-southeast-2; RPO 3h (snapshot every 1h + 1h DLM start window + 1h copy estimate)',
    );
    expect(out.filter((l) => /^ {2}[1-4]\. /.test(l)).map((l) => l.trim().slice(0, 2))).toEqual(['1.', '2.', '3.', '4.']);
    expect(out.at(-1)).toBe('Nothing was changed. Rerun with --execute to carry out this plan.');
    expect(err).toEqual([]);
    expect(aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command))).toEqual([]);
    expect(await epoch('s-alpha')).toBe(3);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  });

  test('refuses a region outside the flavor and the current primary', async () => {
    world();
    const { io } = bufferIo();
    await expect(failover(['us-australia', '--to', 'eu-west-1', '--state-dir', stateDir], io)).rejects.toMatchObject({
      code: 'FAILOVER_TARGET_OUTSIDE_FLAVOR',
    });
    expect(aws.calls).toEqual([]);
    await expect(failover(['us-australia', '--to', PRIMARY, '--table-name', table, '--state-dir', stateDir, '--execute'], io)).rejects.toMatchObject({
      code: 'FAILOVER_TARGET_IS_PRIMARY',
    });
    expect(await epoch('s-alpha')).toBe(3);
  });

  test('refuses data older than the RPO, even with --execute, unless --accept-data-loss', async () => {
    // Given copies 5 hours old
    world({ snapshotAgeMinutes: 300 });

    // When executed without accepting data loss: refused with the reason, nothing done
    const refused = bufferIo();
    await expect(failover(args('--execute'), refused.io)).resolves.toBe(1);
    expect(refused.err).toEqual([
      expect.stringMatching(
        /^error FAILOVER_DATA_TOO_OLD: the newest data in ap-southeast-2 is older than the 3h RPO \(ledger node 0: snap-c0new is 5h old;/,
      ),
    ]);
    expect(await epoch('s-alpha')).toBe(3);
    expect(aws.count('CreateVolume')).toBe(0);

    // When planned with --accept-data-loss: a warning, and the plan passes
    const accepted = bufferIo();
    await expect(failover(args('--accept-data-loss'), accepted.io)).resolves.toBe(0);
    expect(accepted.err).toEqual([expect.stringMatching(/^warning FAILOVER_DATA_TOO_OLD: accepted with --accept-data-loss: /)]);
  });

  test("shows the replica's lag in the plan", async () => {
    world({ rdsReplicaLagSeconds: 45 });
    const { io, out } = bufferIo();
    await expect(failover(args(), io)).resolves.toBe(0);
    expect(out).toContain(
      '     reports: promote read replica reports-replica (replica reports-replica replicating; lag 45 s; data of 2025-06-01T11:58:15.000Z, 1m old).',
    );
  });

  test('a replica lagging more than the RPO is not promoted without --accept-data-loss', async () => {
    // Given fresh snapshot copies but the RDS replica 4 hours behind
    world({ rdsReplicaLagSeconds: 4 * 3600 });

    // When executed: refused naming the replica and its lag, nothing fenced or promoted
    const refused = bufferIo();
    await expect(failover(args('--execute'), refused.io)).resolves.toBe(1);
    expect(refused.err).toEqual([
      'error FAILOVER_DATA_TOO_OLD: the newest data in ap-southeast-2 is older ' +
        "than the 3h RPO (reports: replica reports-replica's data is 4h1m old " +
        '(replica reports-replica replicating; lag 14400 s)); pass --accept-data-loss to fail over anyway and lose the writes since then.',
    ]);
    expect(await epoch('s-alpha')).toBe(3);
    expect(aws.count('PromoteReadReplica')).toBe(0);

    // When executed with --accept-data-loss: the replica is promoted and the failover finishes
    const accepted = bufferIo();
    await expect(failover(args('--execute', '--accept-data-loss'), accepted.io)).resolves.toBe(0);
    expect(accepted.err[0]).toMatch(
      /^warning FAILOVER_DATA_TOO_OLD: accepted with --accept-data-loss: .*reports: replica reports-replica's data is 4h1m old/,
    );
    expect(aws.count('PromoteReadReplica')).toBe(1);
    expect(await epoch('s-alpha')).toBe(4);
  });

  test('a replica without a recent lag datapoint is refused with the reason', async () => {
    world({ rdsReplicaLagSeconds: null });
    const { io, err } = bufferIo();
    await expect(failover(args('--execute'), io)).resolves.toBe(1);
    expect(err).toEqual([
      expect.stringContaining(
        "reports: the age of replica reports-replica's data is unknown (replica " +
          'reports-replica replicating; no ReplicaLag datapoint in the last 10 min: lag unknown)',
      ),
    ]);
    expect(aws.count('PromoteReadReplica')).toBe(0);
  });

  test('needs a hosted zone: FAILOVER_NO_HOSTED_ZONE without --hosted-zone-id or cdk.json', async () => {
    world();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-nozone-'));
    try {
      const { io } = bufferIo(elsewhere);
      await expect(failover([...args(), '--dir', path.join(ROOT, 'flavors')], io)).rejects.toMatchObject({ code: 'FAILOVER_NO_HOSTED_ZONE' });
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('flavors failover --connections', () => {
  test('without a connection for the target databases, the plan is refused and names the keys to add', async () => {
    world();
    const { io, err } = bufferIo();
    const noConnections = [
      'us-australia',
      '--to',
      FALLBACK,
      '--table-name',
      table,
      '--state-dir',
      stateDir,
      '--connections',
      path.join(stateDir, 'empty.json'),
    ];
    fs.writeFileSync(path.join(stateDir, 'empty.json'), '{}');
    await expect(failover([...noConnections, '--execute'], io)).resolves.toBe(1);
    expect(err).toEqual([
      'error FAILOVER_DB_FENCE_NO_CONNECTION: ledger: no connection for us-australia/ap-southeast-2/ledger; its flavors_fence must be bumped ' +
        'before ap-southeast-2 takes writes: add "us-australia/ap-southeast-2/ledger": "postgresql://…" to the connections file (--connections).',
      'error FAILOVER_DB_FENCE_NO_CONNECTION: reports: no connection for us-australia/ap-southeast-2/reports; ' +
        'its flavors_fence must be bumped before ap-southeast-2 takes writes: add ' +
        '"us-australia/ap-southeast-2/reports": "postgresql://…" to the connections file (--connections).',
    ]);
    expect(await epoch('s-alpha')).toBe(3);
  });

  test('a connections file named on the command line must exist', async () => {
    world();
    await expect(failover(args('--connections', path.join(stateDir, 'nope.json')), bufferIo().io)).rejects.toMatchObject({
      code: 'CONNECTIONS_FILE_MISSING',
    });
  });

  test('an old primary that does not answer has its database port closed, and the command says it stays closed', async () => {
    world();
    const file = path.join(stateDir, 'down.json');
    const map = Object.fromEntries(dbs.map);
    for (const db of ['ledger', 'reports']) map[`us-australia/${PRIMARY}/${db}`] = 'postgresql://flavors:pw@127.0.0.1:9/gone';
    fs.writeFileSync(file, JSON.stringify(map));
    const { io, out } = bufferIo();
    await expect(
      failover(['us-australia', '--to', FALLBACK, '--table-name', table, '--state-dir', stateDir, '--connections', file, '--execute'], io),
    ).resolves.toBe(0);
    expect(out.at(-1)).toBe(
      `The database port of ledger, reports in us-east-1 stays closed (rules recorded ` +
        `in ${path.join(stateDir, 'failover-us-australia.json')}); open it again only once that data is rebuilt from ap-southeast-2.`,
    );
    expect(aws.count('RevokeSecurityGroupIngress', PRIMARY)).toBe(2);
  });
});

describe('flavors failover --execute', () => {
  test('runs every step, logs progress and leaves a finished state file', async () => {
    world();
    const { io, out } = bufferIo();
    await expect(failover(args('--execute'), io)).resolves.toBe(0);
    expect(out).toContain(`failover fo-cli-${ids} started; progress in ${path.join(stateDir, 'failover-us-australia.json')}`);
    for (const step of ['[1/4 fence]', '[2/4 restore]', '[3/4 dns]', '[4/4 verify]'])
      expect(out.some((l) => l.includes(step) && l.endsWith(': done'))).toBe(true);
    expect(out.at(-1)).toBe(
      'Next: make ap-southeast-2 the primary in flavors/us-australia.ts before the next deploy, or a deploy points DNS back at us-east-1.',
    );
    expect(new FailoverStateStore(stateDir, 'us-australia').read()).toMatchObject({ status: 'done', to: FALLBACK });
    expect(await epoch('s-alpha')).toBe(4);
    // DNS now names Sydney first: a second failover to it is refused
    await expect(failover(args(), bufferIo().io)).rejects.toMatchObject({ code: 'FAILOVER_TARGET_IS_PRIMARY' });
  });

  test('a failure in step 2, then the same command resumes and does nothing twice', async () => {
    // Given a restore that fails on the second node
    world();
    let attaches = 0;
    aws.onCall = (c) => {
      if (c === 'AttachVolume' && ++attaches === 2) throw awsError('InternalError', 'attach failed (injected)');
    };
    await expect(failover(args('--execute'), bufferIo().io)).rejects.toMatchObject({
      code: 'FAILOVER_STEP_FAILED',
      message: expect.stringContaining('rerun the same command to resume, or --abort'),
    });

    // When the plan is asked for meanwhile, it shows the failover in progress
    const shown = bufferIo();
    await expect(failover(args(), shown.io)).resolves.toBe(0);
    expect(shown.out).toEqual(
      expect.arrayContaining([
        '  1. fence: done',
        expect.stringMatching(/^ {2}2\. restore: failed \(InternalError: attach failed \(injected\)\)$/),
        '  3. dns: pending',
      ]),
    );
    // and another target is refused while it is
    await expect(failover(['us-australia', '--to', PRIMARY, '--state-dir', stateDir], bufferIo().io)).rejects.toMatchObject({
      code: 'FAILOVER_IN_PROGRESS',
    });

    // When the same command runs again
    const resumed = bufferIo();
    await expect(failover(args('--execute'), resumed.io)).resolves.toBe(0);

    // Then it resumed the same failover and finished without repeating anything
    expect(resumed.out[0]).toMatch(/^resuming failover fo-cli-\d+ of us-australia to ap-southeast-2$/);
    expect(aws.count('CreateVolume')).toBe(3);
    expect(aws.count('PromoteReadReplica')).toBe(1);
    expect(await epoch('s-alpha')).toBe(4);
  });

  test('Ctrl-C: finishes the current item, saves the state and exits 130; a rerun finishes', async () => {
    world();
    aws.onCall = (c) => {
      if (c === 'CreateVolume') interrupt?.();
    };
    const first = bufferIo();
    await expect(failover(args('--execute'), first.io)).resolves.toBe(130);
    expect(first.err).toEqual([
      'Ctrl-C: finishing the current item, then stopping (press again to exit at once).',
      `error FAILOVER_INTERRUPTED: interrupted; progress saved ` +
        `in ${path.join(stateDir, 'failover-us-australia.json')}. Rerun the same command to resume, or --abort.`,
    ]);
    expect(aws.count('CreateVolume')).toBe(1);
    aws.onCall = undefined;
    await expect(failover(args('--execute'), bufferIo().io)).resolves.toBe(0);
    expect(aws.count('CreateVolume')).toBe(3);
  });

  test('--abort ends a failed failover; a new failover can then start', async () => {
    // Given a failover that failed in step 2
    world();
    let creates = 0;
    aws.onCall = (c) => {
      if (c === 'CreateVolume' && ++creates === 2) throw awsError('InsufficientVolumeCapacity', 'no capacity (injected)');
    };
    await expect(failover(args('--execute'), bufferIo().io)).rejects.toMatchObject({ code: 'FAILOVER_STEP_FAILED' });
    const failedId = new FailoverStateStore(stateDir, 'us-australia').read()!.failoverId;

    // When aborted
    const aborted = bufferIo();
    await expect(failover(['us-australia', '--abort', '--state-dir', stateDir], aborted.io)).resolves.toBe(0);
    expect(aborted.out[0]).toBe(`failover ${failedId} of us-australia (us-east-1 -> ap-southeast-2) aborted; nothing was undone.`);
    expect(aborted.out.join('\n')).toContain('lock: released');
    await expect(failover(['us-australia', '--abort', '--state-dir', stateDir], bufferIo().io)).rejects.toMatchObject({
      code: 'FAILOVER_NOTHING_TO_ABORT',
    });

    // Then a new failover to the same target completes the move, and the old state is kept aside
    aws.onCall = undefined;
    await expect(failover(args('--execute'), bufferIo().io)).resolves.toBe(0);
    expect(fs.readdirSync(stateDir).sort()).toEqual([`failover-us-australia-${failedId}.json`, 'failover-us-australia.json']);
    expect(await epoch('s-alpha')).toBe(5);
  });
});

describe('the real CLI without AWS credentials', () => {
  test('failover says so in one line and exits 1', () => {
    const { status, stdout, stderr } = runWithoutCredentials(['failover', 'us-australia', '--to', FALLBACK, '--execute']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error OPS_NO_CREDENTIALS: no AWS credentials found .*; configure a profile or AWS_\* variables$/),
    ]);
  });

  test('a target outside the flavor is refused before credentials are needed', async () => {
    // In this process, with credentials and clients that record being asked for (the test above runs the real binary)
    const asked: string[] = [];
    const command = makeFailoverCommand({
      clientsFor: (region) => {
        asked.push(`clients ${region}`);
        throw new Error('no AWS clients in this test');
      },
      credentials: (region) => () => {
        asked.push(`credentials ${region}`);
        return Promise.reject(new Error('no AWS credentials in this test'));
      },
    });
    const { io, out } = bufferIo();
    let refusal = 'no refusal';
    try {
      await command(['us-australia', '--to', 'eu-central-1'], io);
    } catch (e) {
      refusal = `error ${(e as { code?: string }).code}: ${(e as Error).message}`;
    }
    expect(refusal).toBe(
      'error FAILOVER_TARGET_OUTSIDE_FLAVOR: eu-central-1 is not a region of flavor ' +
        'us-australia (us-east-1, ap-southeast-2); its data may only move between those.',
    );
    expect([asked, out]).toEqual([[], []]);
  });
});
