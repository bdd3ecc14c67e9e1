// What must hold after `flavors space move s-move --to germany-belgium --execute`, whatever the size of the space:
// shared by the small move of space-move.test.ts (`npm test`) and the 10,000-row one of space-move.load.test.ts
// (`npm run test:load`), so the two cannot drift apart.
import * as fs from 'fs';
import * as path from 'path';
import { listFlavorMoves, listFlavorSpaces, readMoveLock } from '../../lib/ops/fencing';
import { readSpace } from '../../lib/ops/space-move-lookup';
import { countRows, dump, freshLookup, MOVING, RESIDENT, SOURCE_DB, STAYING, TARGET_DB, type MoveFixture } from '../lib/ops/move-fixture';

export interface MovedSpace {
  readonly fx: MoveFixture;
  readonly table: Awaited<ReturnType<typeof freshLookup>>;
  /** The `--state-dir` of the move. */
  readonly stateDir: string;
  /** The command's exit code and its stdout and stderr lines. */
  readonly code: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
  /** Dumps taken before the move: the moving space and its sibling in the source, the target's resident space. */
  readonly moved: string;
  readonly sibling: string;
  readonly resident: string;
  /** The flavor token the route handed out before the move: it must now be refused. */
  readonly tokenBefore: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body
  readonly route: () => Promise<{ status: number; json: Record<string, any> }>;
  readonly verify: (token: string, flavor: string, region: string, currentEpoch: number) => Promise<unknown>;
}

/** Asserts the data, the lookup records, the route and the tokens after the move; returns the state file's text. */
export async function expectSpaceMoved(m: MovedSpace): Promise<string> {
  const { fx, table } = m;
  expect(m.code).toBe(0);
  expect(m.out.at(-2)).toBe('space s-move moved from global to germany-belgium (home eu-central-1, epoch 3).');
  expect(m.err.filter((l) => / \[\d\/5 \w+\] .*: done$/.test(l)).map((l) => l.split(' ')[1])).toEqual(['[1/5', '[2/5', '[3/5', '[4/5', '[5/5']);
  expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(m.moved);
  expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(0);
  expect(await dump(fx.pg, SOURCE_DB, STAYING)).toBe(m.sibling);
  expect(await dump(fx.pg, TARGET_DB, RESIDENT)).toBe(m.resident);
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

  const after = await m.route();
  expect(after.status).toBe(200);
  expect(after.json).toMatchObject({
    flavor: 'germany-belgium',
    homeRegion: 'eu-central-1',
    endpoint: 'https://eu-central-1.germany-belgium.flavors.example.com',
    epoch: 3,
  });
  await expect(m.verify(after.json.token as string, 'germany-belgium', 'eu-central-1', 3)).resolves.toMatchObject({ space: MOVING, epoch: 3 });
  await expect(m.verify(m.tokenBefore, 'global', 'us-east-1', 3)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_STALE_EPOCH' });
  await expect(m.verify(m.tokenBefore, 'germany-belgium', 'eu-central-1', 3)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_WRONG_FLAVOR' });

  return fs.readFileSync(path.join(m.stateDir, `move-${MOVING}.json`), 'utf-8');
}
