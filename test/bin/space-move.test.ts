import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'child_process';
import * as fs from 'fs';
import type { JSONWebKeySet } from 'jose';
import * as path from 'path';
import type { CliIo } from '../../bin/cli-io';
import { makeSpaceMoveCommand } from '../../bin/commands/space-move';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { DevIdentityIssuer } from '../../lib/lookup/runtime/dev-identity';
import { verifyFlavorToken } from '../../lib/lookup/runtime/flavor-token';
import { IdentityVerifier } from '../../lib/lookup/runtime/identity';
import { createLookupHandler, type LookupHandler } from '../../lib/lookup/runtime/route-handler';
import { failoverLockKey, moveLockKey } from '../../lib/lookup/runtime/schema-keys';
import { LocalKeySigner } from '../../lib/lookup/runtime/signer';
import { readMoveLock } from '../../lib/ops/fencing';
import { readSpace } from '../../lib/ops/space-move-lookup';
import {
  CONTENT_DB,
  countRows,
  dump,
  freshLookup,
  MOVING,
  NOW,
  RESIDENT,
  resetData,
  SOURCE_DB,
  STAYING,
  startMoveFixture,
  TARGET_DB,
  USER,
  ZONE,
  type MoveFixture,
} from '../lib/ops/move-fixture';
import { freePort } from '../helpers/embedded-pg';
import { ROOT, type CliResult } from '../helpers/run-cli';
import { expectSpaceMoved } from './space-move-expect';

jest.setTimeout(30000);

const PASSWORD = 'flavors-test-pw';
let fx: MoveFixture;
let table: Awaited<ReturnType<typeof freshLookup>>;
let stateDir: string;
let seq = 0;
let interrupt: (() => void) | undefined;
let issuer: DevIdentityIssuer;
let signer: LocalKeySigner;
let jwks: JSONWebKeySet;

beforeAll(async () => {
  fx = await startMoveFixture();
  issuer = await DevIdentityIssuer.load(path.join(fx.dir, 'identity'));
  signer = await LocalKeySigner.generate('move-test');
  jwks = { keys: [await signer.publicJwk()] };
});
afterAll(async () => {
  await fx?.close();
});
/**
 * Set by a test that changes rows or schema (`data`) or the lookup table (`lookup`): the next test starts from fresh
 * copies of the databases or a fresh lookup table. A test that only plans or is refused changes nothing (most check that).
 */
const dirty = { data: true, lookup: true };
beforeEach(async () => {
  if (dirty.data) await resetData(fx.pg);
  if (dirty.lookup) table = await freshLookup(fx);
  dirty.data = dirty.lookup = false;
  stateDir = path.join(fx.dir, `state-${++seq}`);
});

interface Result {
  code: number;
  out: string[];
  err: string[];
}

/** Runs `flavors space move` in process, printing errors as bin/flavors.ts does. */
async function move(args: string[], options: { onLog?: (line: string) => void } = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => {
      err.push(l);
      options.onLog?.(l);
    },
    cwd: ROOT,
    env: {},
  };
  const command = makeSpaceMoveCommand({
    dynamodb: fx.dynamodb,
    fallback: () => Promise.resolve(undefined),
    now: () => NOW,
    newMoveId: () => `mv-cli-${seq}`,
    // The repository's flavors, loaded once by the fixture (the real-CLI test below loads them as a user's run does).
    loadFlavors: (dir) => (dir === path.join(ROOT, 'flavors') ? fx.flavors : loadFlavorsOrThrow(dir)),
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {
        interrupt = undefined;
      };
    },
  });
  const full = [
    ...args,
    '--table',
    table.tableName,
    '--state-dir',
    stateDir,
    ...(args.includes('--connections') ? [] : ['--connections', fx.connectionsFile]),
  ];
  try {
    return { code: await command(full, io), out, err };
  } catch (e) {
    if (!(e instanceof FlavorsError)) throw e;
    err.push(`error ${e.code}: ${e.message}`);
    return { code: 1, out, err };
  }
}

function handler(): LookupHandler {
  return createLookupHandler({
    store: table.store,
    flavors: fx.flavors,
    signer,
    endpointZone: ZONE,
    clock: () => NOW.getTime(),
    identity: new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() }),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body
async function route(): Promise<{ status: number; json: Record<string, any>; headers: Record<string, string> }> {
  const token = await issuer.mint(USER, { now: NOW.getTime() / 1000 });
  const res = await handler()({ method: 'GET', path: `/v1/spaces/${MOVING}/route`, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: JSON.parse(res.body), headers: { ...res.headers } };
}

const verify = (token: string, flavor: string, region: string, currentEpoch: number) =>
  verifyFlavorToken(token, { flavor, region, currentEpoch, jwks, currentDate: NOW });

describe('flavors space move (plan)', () => {
  test(
    'Given a space in global, when planned to germany-belgium, then a ' + 'numbered plan lists tables in FK order with counts and nothing changes',
    async () => {
      const r = await move([MOVING, '--to', 'germany-belgium']);

      expect(r.code).toBe(0);
      expect(r.out).toEqual([
        'Move plan for space s-move (client c-acme): global (home us-east-1) -> germany-belgium (home eu-central-1), --data copy',
        '  Residency: any country -> DE, BE',
        '  1. Fence: in table ' +
          table.tableName +
          ', space s-move gets state moving and epoch 2 (a conditional write on epoch 1): ' +
          'the lookup service answers 503 SPACE_MOVING, and tokens of epoch 1 are refused.',
        "  2. Copy the space's rows (where space_id = 's-move') with COPY, parents before children, one transaction per database on the target:",
        '     ledger: global/us-east-1/ledger -> germany-belgium/eu-central-1/ledger: 100 rows in 3 tables',
        '       public.accounts: 10 rows',
        '       public.transfers: 40 rows',
        '       public.entries: 50 rows',
        '       left in place (no space_id column): public.currencies',
        '     content: global/us-east-1/content: no table has space_id',
        '       left in place (no space_id column): public.pages',
        expect.stringMatching(/^ {2}3\. Verify: per table, row count and an order-independent checksum/),
        '  4. Switch: space s-move gets flavor germany-belgium, home eu-central-1, ' +
          'state active, epoch 3; the other spaces of client c-acme are untouched.',
        "  5. Purge: delete the space's 100 rows from global's primary (us-east-1), one transaction per database; replicas follow.",
        "  Snapshots: global's snapshots are whole volumes and cannot be edited. Those taken before the purge keep the " +
          "space's rows until they expire: purge time + 4 h x 42 = 168 h, so not before 2026-12-14T04:00:00.000Z (if purged now).",
        'Nothing was changed. Rerun with --execute to carry out this plan.',
      ]);
      expect(r.err).toEqual([]);
      expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'global', epoch: 1 });
      expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(0);
      expect(fs.existsSync(stateDir)).toBe(false);
    },
  );

  test('--json prints the plan as one JSON document', async () => {
    const r = await move([MOVING, '--to', 'germany-belgium', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out.join('\n'));
    expect(plan).toMatchObject({
      spaceId: MOVING,
      epoch: 1,
      from: { flavor: 'global', countries: 'any' },
      to: { flavor: 'germany-belgium', countries: ['DE', 'BE'] },
      refusals: [],
    });
  });
});

describe('flavors space move (refusals)', () => {
  const refused = async (args: string[], code: string, message: RegExp) => {
    const r = await move(args);
    expect(r.code).toBe(1);
    const errors = r.err.filter((l) => l.startsWith('error '));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^error ${code}: `))]);
    expect(errors[0]).toMatch(message);
    expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'global', epoch: 1 });
    expect(fs.existsSync(path.join(stateDir, `move-${MOVING}.json`))).toBe(false);
  };

  test('an unknown space, an unknown flavor and the same flavor', async () => {
    await refused(['s-nope', '--to', 'germany-belgium'], 'MOVE_SPACE_UNKNOWN', /space s-nope does not exist/);
    await refused([MOVING, '--to', 'atlantis'], 'MOVE_FLAVOR_UNKNOWN', /flavor 'atlantis' does not exist/);
    await refused([MOVING, '--to', 'global'], 'MOVE_SAME_FLAVOR', /space s-move already lives in flavor global/);
  });

  test('a target the space policy forbids', async () => {
    dirty.lookup = true;
    table = await freshLookup(fx, { countries: ['US'] });
    await refused(
      [MOVING, '--to', 'germany-belgium'],
      'MOVE_POLICY_FORBIDS',
      /space s-move may not move to flavor germany-belgium: .*POLICY_COUNTRY_WIDENS/,
    );
  });

  test('--data none without --accept-data-loss, and a bad --data', async () => {
    await refused(
      [MOVING, '--to', 'germany-belgium', '--data', 'none'],
      'MOVE_DATA_LOSS_NOT_ACCEPTED',
      /--data none starts space s-move empty in germany-belgium/,
    );
    await refused([MOVING, '--to', 'germany-belgium', '--data', 'some'], 'CLI_BAD_ARGUMENTS', /--data must be copy or none/);
  });

  test('a failover of the target flavor in progress, and another move of the space', async () => {
    dirty.lookup = true;
    const put = (key: { pk: string; sk: string }, extra: Record<string, { S: string }>) =>
      fx.dynamodb.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: { pk: { S: key.pk }, sk: { S: key.sk }, startedAt: { S: NOW.toISOString() }, ...extra },
        }),
      );
    await put(failoverLockKey('germany-belgium'), { owner: { S: 'fo-9' }, target: { S: 'eu-central-1' } });
    await refused([MOVING, '--to', 'germany-belgium'], 'MOVE_FAILOVER_IN_PROGRESS', /failover fo-9 of flavor germany-belgium/);
    table = await freshLookup(fx);
    await put(moveLockKey(MOVING), { owner: { S: 'mv-other' }, source: { S: 'global' }, target: { S: 'us-australia' } });
    await refused([MOVING, '--to', 'germany-belgium'], 'MOVE_IN_PROGRESS', /move mv-other of space s-move \(global -> us-australia/);
  });

  test('rows of the space already in the target, named by table', async () => {
    dirty.data = true;
    await fx.pg.query(TARGET_DB, "INSERT INTO accounts VALUES ($1, gen_random_uuid(), 'EUR', now(), NULL)", [MOVING]);
    await refused(
      [MOVING, '--to', 'germany-belgium'],
      'MOVE_TARGET_HAS_ROWS',
      /ledger: public\.accounts in germany-belgium already hold rows of space s-move/,
    );
  });

  test('a target flavor lacking a database that holds the space rows (lifted by --data none)', async () => {
    await fx.pg.query(
      CONTENT_DB,
      "CREATE TABLE notes (space_id text, body text); INSERT INTO notes VALUES ($1, 'hello')".replace('$1', `'${MOVING}'`),
    );
    try {
      await refused(
        [MOVING, '--to', 'germany-belgium'],
        'MOVE_TARGET_DATABASE_MISSING',
        /flavor germany-belgium has no PostgreSQL database content, which holds 1 row\(s\) of space s-move/,
      );
      expect((await move([MOVING, '--to', 'germany-belgium', '--data', 'none', '--accept-data-loss'])).code).toBe(0);
    } finally {
      await fx.pg.query(CONTENT_DB, 'DROP TABLE notes');
    }
  });

  test('a target table without a column the source has', async () => {
    dirty.data = true;
    await fx.pg.query(TARGET_DB, 'ALTER TABLE transfers DROP COLUMN note');
    await refused(
      [MOVING, '--to', 'germany-belgium'],
      'MOVE_TARGET_SCHEMA_MISMATCH',
      /ledger: table public\.transfers in germany-belgium lacks column\(s\) note, so space s-move cannot move there/,
    );
  });

  test('a table without the space column that references the space rows (the purge could not delete them)', async () => {
    dirty.data = true;
    await fx.pg.query(SOURCE_DB, 'CREATE TABLE audit (space text, account uuid, FOREIGN KEY (space, account) REFERENCES accounts (space_id, id))');
    await refused(
      [MOVING, '--to', 'germany-belgium'],
      'MOVE_REFERENCED_FROM_OUTSIDE',
      /ledger: public\.audit -> public\.accounts: a table without space_id references a table of space s-move/,
    );
  });

  test('a database missing from the connections file, and one that is unreachable: the key, never the password', async () => {
    const partial = path.join(fx.dir, 'partial.json');
    fs.writeFileSync(partial, JSON.stringify({ 'global/us-east-1/ledger': fx.pg.url(SOURCE_DB), 'global/us-east-1/content': fx.pg.url(CONTENT_DB) }));
    await refused(
      [MOVING, '--to', 'germany-belgium', '--connections', partial],
      'CONNECTION_MISSING',
      /no connection for germany-belgium\/eu-central-1\/ledger/,
    );
    const wrong = path.join(fx.dir, 'wrong.json');
    fs.writeFileSync(
      wrong,
      JSON.stringify({
        'global/us-east-1/ledger': fx.pg.url(SOURCE_DB).replace(PASSWORD, 's3cret-wrong-pw'),
        'global/us-east-1/content': fx.pg.url(CONTENT_DB),
      }),
    );
    const r = await move([MOVING, '--to', 'germany-belgium', '--connections', wrong]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      expect.stringMatching(/^error CONNECTION_FAILED: cannot connect to global\/us-east-1\/ledger \(postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1/),
    ]);
    expect([...r.out, ...r.err].join('\n')).not.toMatch(/s3cret-wrong-pw|flavors-test-pw/);
  });
});

describe('flavors space move --execute', () => {
  test(
    'Given rows in three related tables, when moved, then the target holds them byte-identical, ' +
      'the sibling is untouched and the route answers the target (10,000 rows: space-move.load.test.ts)',
    async () => {
      dirty.data = dirty.lookup = true;
      const moved = await dump(fx.pg, SOURCE_DB, MOVING);
      const sibling = await dump(fx.pg, SOURCE_DB, STAYING);
      const resident = await dump(fx.pg, TARGET_DB, RESIDENT);
      const before = await route();
      expect(before.json).toMatchObject({ flavor: 'global', homeRegion: 'us-east-1', epoch: 1 });

      const r = await move([MOVING, '--to', 'germany-belgium', '--execute']);

      const stateText = await expectSpaceMoved({
        fx,
        table,
        stateDir,
        ...r,
        moved,
        sibling,
        resident,
        tokenBefore: before.json.token,
        route,
        verify,
      });
      expect(JSON.parse(stateText)).toMatchObject({
        status: 'done',
        purgedAt: NOW.toISOString(),
        snapshotsHoldDataUntil: '2026-12-14T04:00:00.000Z',
      });
      expect([stateText, ...r.out, ...r.err].join('\n')).not.toContain(PASSWORD);
    },
  );

  test('Given --data none --accept-data-loss, when executed, then the space starts empty in the target and its source rows are purged', async () => {
    dirty.data = dirty.lookup = true;
    const sibling = await dump(fx.pg, SOURCE_DB, STAYING);
    const r = await move([MOVING, '--to', 'germany-belgium', '--data', 'none', '--accept-data-loss', '--execute']);
    expect(r.code).toBe(0);
    expect(r.out[3]).toContain(
      '2. Copy: skipped (--data none): the space starts empty in germany-belgium; its 100 rows in global are purged in step 5 and lost.',
    );
    expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(0);
    expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(0);
    expect(await dump(fx.pg, SOURCE_DB, STAYING)).toBe(sibling);
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, `move-${MOVING}.json`), 'utf-8'));
    expect([state.steps.copy.status, state.steps.verify.status, state.status]).toEqual(['skipped', 'skipped', 'done']);
  });

  test(
    'Given Ctrl-C after the copy, then the space answers 503 SPACE_MOVING; ' + '--abort removes the copies and reactivates it at a new epoch',
    async () => {
      dirty.data = dirty.lookup = true;
      const original = await dump(fx.pg, SOURCE_DB, MOVING);
      const before = await route();
      const r = await move([MOVING, '--to', 'germany-belgium', '--execute'], {
        onLog: (l) => {
          if (l.includes('copy the rows: done')) interrupt?.();
        },
      });
      expect(r.code).toBe(130);
      expect(r.err.at(-1)).toMatch(/^error MOVE_INTERRUPTED: interrupted; progress saved in .*move-s-move\.json/);
      expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(100);
      const fenced = await route();
      expect([fenced.status, fenced.headers['retry-after'], fenced.json.error.code]).toEqual([503, '1', 'SPACE_MOVING']);

      // Planning again shows the move in progress and changes nothing.
      const shown = await move([MOVING, '--to', 'germany-belgium']);
      expect(shown.out).toContain('  2. copy: done');
      expect(shown.out.at(-1)).toBe('Nothing was changed. Rerun with --execute to resume it, or --abort to end it.');
      expect((await move([MOVING, '--to', 'us-australia'])).err[0]).toMatch(
        /^error MOVE_IN_PROGRESS: move mv-cli-\d+ of space s-move to germany-belgium is in progress/,
      );

      const aborted = await move([MOVING, '--abort']);
      expect(aborted.code).toBe(0);
      expect(aborted.out).toEqual([
        `move mv-cli-${seq} of space s-move (global -> germany-belgium) aborted.`,
        '  target: 100 copied row(s) removed from germany-belgium.',
        '  space: active in global (home us-east-1) at epoch 3; tokens issued before or during the move are refused.',
        '  global/us-east-1/ledger: write fence not-installed.',
        '  global/us-east-1/content: write fence not-installed.',
      ]);
      expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(0);
      expect(await dump(fx.pg, SOURCE_DB, MOVING)).toBe(original);
      expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'global', epoch: 3, state: 'active' });
      expect(await readMoveLock(table, MOVING)).toBeUndefined();
      const again = await route();
      expect(again.json).toMatchObject({ flavor: 'global', epoch: 3 });
      await expect(verify(before.json.token, 'global', 'us-east-1', 3)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_STALE_EPOCH' });
      expect((await move([MOVING, '--abort'])).err[0]).toMatch(/^error MOVE_NOTHING_TO_ABORT: /);

      // And a new move can start afterwards.
      expect((await move([MOVING, '--to', 'germany-belgium', '--execute'])).code).toBe(0);
      expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(original);
    },
  );

  test('--abort after the switch is refused: the space already lives in the target', async () => {
    dirty.data = dirty.lookup = true;
    const r = await move([MOVING, '--to', 'germany-belgium', '--execute'], {
      onLog: (l) => {
        if (l.includes('switch the space to the target flavor: done')) interrupt?.();
      },
    });
    expect(r.code).toBe(130);
    const aborted = await move([MOVING, '--abort']);
    expect(aborted.err[0]).toMatch(/^error MOVE_ABORT_TOO_LATE: space s-move already lives in germany-belgium \(epoch 3\)/);
    const resumed = await move([MOVING, '--to', 'germany-belgium', '--execute']);
    expect(resumed.code).toBe(0);
    expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(0);
  });
});

/** The real CLI, spawned without blocking this process (dynalite answers from here). */
function runFlavorsAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('flavors space move through the real CLI', () => {
  test('the plan prints through bin/flavors.js, without a password', async () => {
    const plan = await runFlavorsAsync([
      'space',
      'move',
      MOVING,
      '--to',
      'germany-belgium',
      '--store',
      fx.storeUrl,
      '--table',
      table.tableName,
      '--connections',
      fx.connectionsFile,
      '--state-dir',
      stateDir,
    ]);
    expect([plan.status, plan.stderr]).toEqual([0, '']);
    expect(plan.stdout).toContain('public.transfers: 40 rows');
    expect(plan.stdout).not.toContain(PASSWORD);
  });

  test('an unreachable store is one line with what to do', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const err: string[] = [];
    const io: CliIo = { out: () => undefined, err: (l) => err.push(l), cwd: ROOT, env: {} };
    const args = [MOVING, '--to', 'germany-belgium', '--store', closed, '--connections', fx.connectionsFile, '--state-dir', stateDir];
    await expect(makeSpaceMoveCommand({ fallback: () => Promise.resolve(undefined), loadFlavors: () => fx.flavors })(args, io)).rejects.toMatchObject(
      {
        code: 'LOOKUP_STORE_UNREACHABLE',
        message: expect.stringMatching(
          new RegExp(`^the lookup store at ${closed} did not answer .*start one with npm run lookup:dev, or pass --store\\.$`),
        ),
      },
    );
  });
});
