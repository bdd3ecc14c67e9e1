// `npm run test:load`: the space move at scale. 10,000 rows of the moving space in three related tables (and the
// sibling's 600, the target resident's 300) go through `flavors space move --execute` in process, with the same
// checks as the small move of space-move.test.ts, which `npm test` runs with a few rows per table.
import * as fs from 'fs';
import type { JSONWebKeySet } from 'jose';
import * as path from 'path';
import type { CliIo } from '../../bin/cli-io';
import { makeSpaceMoveCommand } from '../../bin/commands/space-move';
import { DevIdentityIssuer } from '../../lib/lookup/runtime/dev-identity';
import { verifyFlavorToken } from '../../lib/lookup/runtime/flavor-token';
import { IdentityVerifier } from '../../lib/lookup/runtime/identity';
import { createLookupHandler } from '../../lib/lookup/runtime/route-handler';
import { LocalKeySigner } from '../../lib/lookup/runtime/signer';
import { listFlavorMoves, listFlavorSpaces, readMoveLock } from '../../lib/ops/fencing';
import { readSpace } from '../../lib/ops/space-move-lookup';
import {
  countRows,
  dump,
  freshLookup,
  LARGE_MOVE,
  MOVING,
  NOW,
  RESIDENT,
  SOURCE_DB,
  STAYING,
  startMoveFixture,
  TARGET_DB,
  USER,
  ZONE,
  type MoveFixture,
} from '../lib/ops/move-fixture';
import { ROOT } from '../helpers/run-cli';

const PASSWORD = 'flavors-test-pw';
let fx: MoveFixture;

beforeAll(async () => {
  fx = await startMoveFixture(LARGE_MOVE);
});
afterAll(async () => {
  await fx?.close();
});

test(
  'Given 10,000 rows in three related tables, when moved, then the target holds ' +
    'them byte-identical, the sibling is untouched and the route answers the target',
  async () => {
    const table = await freshLookup(fx);
    const stateDir = path.join(fx.dir, 'state');
    const issuer = await DevIdentityIssuer.load(path.join(fx.dir, 'identity'));
    const signer = await LocalKeySigner.generate('move-load-test');
    const jwks: JSONWebKeySet = { keys: [await signer.publicJwk()] };
    const handler = createLookupHandler({
      store: table.store,
      flavors: fx.flavors,
      signer,
      endpointZone: ZONE,
      clock: () => NOW.getTime(),
      identity: new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() }),
    });
    const route = async () => {
      const token = await issuer.mint(USER, { now: NOW.getTime() / 1000 });
      const res = await handler({ method: 'GET', path: `/v1/spaces/${MOVING}/route`, headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, json: JSON.parse(res.body) as { flavor: string; token: string } };
    };
    const verify = (token: string, flavor: string, region: string, currentEpoch: number) =>
      verifyFlavorToken(token, { flavor, region, currentEpoch, jwks, currentDate: NOW });

    const moved = await dump(fx.pg, SOURCE_DB, MOVING);
    const sibling = await dump(fx.pg, SOURCE_DB, STAYING);
    const resident = await dump(fx.pg, TARGET_DB, RESIDENT);
    expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(10000);
    const before = await route();
    expect(before.json).toMatchObject({ flavor: 'global', homeRegion: 'us-east-1', epoch: 1 });

    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), cwd: ROOT, env: {} };
    const command = makeSpaceMoveCommand({
      dynamodb: fx.dynamodb,
      fallback: () => Promise.resolve(undefined),
      now: () => NOW,
      newMoveId: () => 'mv-load-1',
    });
    const args = [MOVING, '--to', 'germany-belgium', '--table', table.tableName, '--state-dir', stateDir, '--connections', fx.connectionsFile];
    expect(await command(args, io)).toBe(0);
    expect(out).toEqual(
      expect.arrayContaining([
        '     ledger: global/us-east-1/ledger -> germany-belgium/eu-central-1/ledger: 10000 rows in 3 tables',
        '       public.accounts: 1000 rows',
        '       public.transfers: 4000 rows',
        '       public.entries: 5000 rows',
        "  5. Purge: delete the space's 10000 rows from global's primary (us-east-1), one transaction per database; replicas follow.",
      ]),
    );
    out.length = 0;

    const code = await command([...args, '--execute'], io);

    expect(code).toBe(0);
    expect(out.at(-2)).toBe('space s-move moved from global to germany-belgium (home eu-central-1, epoch 3).');
    expect(err.filter((l) => / \[\d\/5 \w+\] .*: done$/.test(l)).map((l) => l.split(' ')[1])).toEqual(['[1/5', '[2/5', '[3/5', '[4/5', '[5/5']);
    expect(err).toContain(`${NOW.toISOString()} [2/5 copy] ledger: public.entries: 5000 row(s)`);
    expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(moved);
    expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(0);
    expect(await dump(fx.pg, SOURCE_DB, STAYING)).toBe(sibling);
    expect(await dump(fx.pg, TARGET_DB, RESIDENT)).toBe(resident);
    // The identity sequence moved past the copied keys: the target's next insert does not collide.
    await fx.pg.query(
      TARGET_DB,
      `INSERT INTO transfers (space_id, account_id, amount) SELECT space_id, id, 1 FROM accounts WHERE space_id = $1 LIMIT 1`,
      [MOVING],
    );

    expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'germany-belgium', homeRegion: 'eu-central-1', epoch: 3, state: 'active' });
    expect(await readSpace(table, STAYING)).toMatchObject({ flavor: 'global', epoch: 1 });
    expect((await table.store.getClient('c-acme'))?.flavor).toBe('global');
    expect((await listFlavorSpaces(table, 'germany-belgium')).map((s) => s.spaceId).sort()).toEqual([RESIDENT, MOVING]);
    expect(await readMoveLock(table, MOVING)).toBeUndefined();
    expect(await listFlavorMoves(table, 'germany-belgium')).toEqual([]);

    const after = await route();
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({
      flavor: 'germany-belgium',
      homeRegion: 'eu-central-1',
      endpoint: 'https://eu-central-1.germany-belgium.flavors.example.com',
      epoch: 3,
    });
    await expect(verify(after.json.token, 'germany-belgium', 'eu-central-1', 3)).resolves.toMatchObject({ space: MOVING, epoch: 3 });
    await expect(verify(before.json.token, 'global', 'us-east-1', 3)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_STALE_EPOCH' });
    await expect(verify(before.json.token, 'germany-belgium', 'eu-central-1', 3)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_WRONG_FLAVOR' });

    const stateText = fs.readFileSync(path.join(stateDir, `move-${MOVING}.json`), 'utf-8');
    expect(JSON.parse(stateText)).toMatchObject({
      status: 'done',
      copied: { ledger: { 'public.accounts': 1000, 'public.transfers': 4000, 'public.entries': 5000 } },
      purgedAt: NOW.toISOString(),
      snapshotsHoldDataUntil: '2026-12-14T04:00:00.000Z',
    });
    expect([stateText, ...out, ...err].join('\n')).not.toContain(PASSWORD);
  },
);
