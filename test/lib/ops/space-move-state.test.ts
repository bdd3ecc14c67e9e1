import * as fs from 'fs';
import * as path from 'path';
import type { MovePlan } from '../../../lib/ops/space-move-plan';
import { MoveStateStore, newMoveId, newMoveState } from '../../../lib/ops/space-move-state';
import { scratchDir } from '../../helpers/scratch-dir';

const NOW = new Date('2026-12-07T04:00:00.000Z');
const PLAN: MovePlan = {
  spaceId: 's-move',
  clientId: 'c-acme',
  epoch: 4,
  from: { flavor: 'global', homeRegion: 'us-east-1', countries: 'any' },
  to: { flavor: 'germany-belgium', homeRegion: 'eu-central-1', countries: ['DE', 'BE'] },
  data: 'copy',
  spaceColumn: 'space_id',
  tableName: 'flavors-lookup',
  databases: [],
  retention: { intervalHours: 4, retain: 42, hours: 168 },
  snapshotsHoldDataUntil: '2026-12-14T04:00:00.000Z',
  createdAt: NOW.toISOString(),
  refusals: [],
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-move-state-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('move state', () => {
  test('a new state expects the epochs it will write; --data none skips copy and verify', () => {
    const state = newMoveState(PLAN, 'mv-1', NOW);
    expect(state.epochs).toEqual({ read: 4, fenced: 5, switched: 6 });
    expect(Object.values(state.steps).map((s) => s.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    const none = newMoveState({ ...PLAN, data: 'none' }, 'mv-2', NOW);
    expect([none.steps.copy.status, none.steps.verify.status]).toEqual(['skipped', 'skipped']);
    expect(newMoveId(NOW, () => 0.5)).toBe('mv-20261207T040000Z-8000');
  });

  test('written whole, read back, archived; a hand-edited file is refused', () => {
    const store = new MoveStateStore(dir, 's-move');
    const state = newMoveState(PLAN, 'mv-1', NOW);
    store.write(state, NOW);
    expect(store.read()).toEqual(state);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(path.basename(store.archive(state))).toBe('move-s-move-mv-1.json');
    expect(store.read()).toBeUndefined();
    fs.writeFileSync(store.file, '{"version": 1,');
    expect(() => store.read()).toThrow(expect.objectContaining({ code: 'MOVE_STATE_CORRUPT' }));
    fs.writeFileSync(store.file, JSON.stringify({ ...state, spaceId: 's-other' }));
    expect(() => store.read()).toThrow(/is not a version 1 move state of space s-move/);
  });

  test('the local lock keeps a second run of the same space out until released', () => {
    const store = new MoveStateStore(dir, 's-move');
    const lock = store.lock(NOW);
    expect(() => store.lock(NOW)).toThrow(
      expect.objectContaining({
        code: 'MOVE_LOCKED',
        message: expect.stringContaining(`another flavors space move run of s-move (pid ${process.pid}`),
      }),
    );
    expect(() => new MoveStateStore(dir, 's-other').lock(NOW).release()).not.toThrow();
    lock.release();
    store.lock(NOW).release();
  });
});
