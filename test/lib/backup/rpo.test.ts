import { snapshotRpo } from '../../../lib/backup/rpo';

describe('snapshotRpo', () => {
  test.each([
    [1, true, 60, 180],
    [4, true, 60, 360],
    [24, true, 30, 1530],
    [1, false, 60, 120],
  ])('interval %ih, copies %s, copy estimate %i min -> %i min', (interval, copies, estimate, rpo) => {
    expect(snapshotRpo(interval, copies, estimate).rpoMinutes).toBe(rpo);
  });

  test('reports its parts', () => {
    expect(snapshotRpo(2, true)).toEqual({ intervalHours: 2, startWindowMinutes: 60, estimatedCopyMinutes: 60, rpoMinutes: 240 });
  });
});
