import { FlavorsError } from '../../../lib/errors';
import type { SpaceMoveRequest, SpaceMoveService } from '../../../lib/portal/space-move-service';
import { fieldErrorIn, startPortalFixture, type PortalFixture } from './portal-fixture';

/** A move service that records what ran and refuses like the library: unknown flavor, same flavor, no confirmation. */
class RecordingMove implements SpaceMoveService {
  readonly executed: (SpaceMoveRequest & { confirmDataLoss: boolean })[] = [];
  plan(r: SpaceMoveRequest) {
    if (r.toFlavor === 'global')
      return Promise.reject(new FlavorsError('MOVE_SAME_FLAVOR', `space ${r.spaceId} already lives in flavor global; nothing to move.`));
    return Promise.resolve({
      spaceId: r.spaceId,
      fromFlavor: 'global',
      toFlavor: r.toFlavor,
      data: r.data,
      lines: [`Move plan for space ${r.spaceId}: global -> ${r.toFlavor}`],
      dataLoss: ['rows <deleted> from global'],
      refusals: [],
    });
  }
  execute(r: SpaceMoveRequest & { confirmDataLoss: boolean }) {
    if (!r.confirmDataLoss) return Promise.reject(new FlavorsError('PORTAL_MOVE_NOT_CONFIRMED', 'tick the confirmation.'));
    this.executed.push(r);
    return Promise.resolve([`space ${r.spaceId} moved from global to ${r.toFlavor}.`]);
  }
}

let p: PortalFixture;
let move: RecordingMove;
beforeAll(async () => {
  move = new RecordingMove();
  p = await startPortalFixture({ spaceMove: move });
});
afterAll(async () => p.close());

describe('space move pages', () => {
  test(
    'Given an admin, when a move is planned, then the plan and its ' + 'data loss show (escaped) with a confirmation box, and nothing ran',
    async () => {
      const body = await (await p.post('/spaces/s-global-1/move/plan', 'user-admin', { toFlavor: 'us-australia', data: 'copy' })).text();
      expect(body).toContain('Move plan for space s-global-1: global -&gt; us-australia');
      expect(body).toContain('rows &lt;deleted&gt; from global');
      expect(body).toContain('name="confirmDataLoss"');
      expect(move.executed).toEqual([]);
    },
  );

  test('Given the plan, when submitted without the confirmation, then the refusal shows next to the box and nothing ran', async () => {
    const r = await p.post('/spaces/s-global-1/move/execute', 'user-admin', { toFlavor: 'us-australia', data: 'copy' });
    expect(r.status).toBe(400);
    expect(fieldErrorIn(await r.text(), 'confirmDataLoss')).toBe('PORTAL_MOVE_NOT_CONFIRMED');
    expect(move.executed).toEqual([]);
  });

  test('Given the plan, when submitted with the confirmation, then the move runs once with what was planned', async () => {
    const r = await p.post('/spaces/s-global-1/move/execute', 'user-admin', { toFlavor: 'us-australia', data: 'none', confirmDataLoss: 'yes' });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('Moved s-global-1 to us-australia.');
    expect(move.executed).toEqual([{ spaceId: 's-global-1', toFlavor: 'us-australia', data: 'none', confirmDataLoss: true }]);
  });

  test("Given a refused plan, when planned, then the library's code shows next to the flavor", async () => {
    const r = await p.post('/spaces/s-global-1/move/plan', 'user-admin', { toFlavor: 'global', data: 'copy' });
    expect(r.status).toBe(400);
    expect(fieldErrorIn(await r.text(), 'toFlavor')).toBe('MOVE_SAME_FLAVOR');
  });

  test('Given a non-admin or a missing space, when the move pages are used, then 403 / 404 and nothing runs', async () => {
    const before = move.executed.length;
    expect((await p.get('/spaces/s-global-1/move', 'user-global')).status).toBe(403);
    expect((await p.post('/spaces/s-global-1/move/execute', 'user-global', { toFlavor: 'us-australia', confirmDataLoss: 'yes' })).status).toBe(403);
    expect((await p.post('/spaces/s-missing/move/execute', 'user-admin', { toFlavor: 'us-australia', confirmDataLoss: 'yes' })).status).toBe(404);
    expect((await p.post('/spaces/s-global-1/move/execute', 'user-admin', { toFlavor: 'us-australia', confirmDataLoss: 'yes' }, null)).status).toBe(
      403,
    );
    expect(move.executed.length).toBe(before);
  });
});
