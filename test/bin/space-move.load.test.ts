// `npm run test:load`: the space move at scale. 10,000 rows of the moving space in three related tables (and the
// sibling's 600, the target resident's 300) go through `flavors space move --execute` in process, with the same
// checks as the small move of space-move.test.ts, which `npm test` runs with a few rows per table.
import type { JSONWebKeySet } from 'jose';
import * as path from 'path';
import type { CliIo } from '../../bin/cli-io';
import { makeSpaceMoveCommand } from '../../bin/commands/space-move';
import { DevIdentityIssuer } from '../../lib/lookup/runtime/dev-identity';
import { verifyFlavorToken } from '../../lib/lookup/runtime/flavor-token';
import { IdentityVerifier } from '../../lib/lookup/runtime/identity';
import { createLookupHandler } from '../../lib/lookup/runtime/route-handler';
import { LocalKeySigner } from '../../lib/lookup/runtime/signer';
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
import { expectSpaceMoved } from './space-move-expect';

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

    expect(err).toContain(`${NOW.toISOString()} [2/5 copy] ledger: public.entries: 5000 row(s)`);
    const stateText = await expectSpaceMoved({
      fx,
      table,
      stateDir,
      code,
      out,
      err,
      moved,
      sibling,
      resident,
      tokenBefore: before.json.token,
      route,
      verify,
    });
    expect(JSON.parse(stateText)).toMatchObject({
      status: 'done',
      copied: { ledger: { 'public.accounts': 1000, 'public.transfers': 4000, 'public.entries': 5000 } },
      purgedAt: NOW.toISOString(),
      snapshotsHoldDataUntil: '2026-12-14T04:00:00.000Z',
    });
    expect([stateText, ...out, ...err].join('\n')).not.toContain(PASSWORD);
  },
);
