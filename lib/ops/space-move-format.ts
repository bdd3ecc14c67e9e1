import { connectionKey } from './connections';
import { formatCountries, type MovePlan } from './space-move-plan';
import { MOVE_STEPS, type MoveState } from './space-move-state';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The plan as numbered lines a person reads before deciding. Never contains a URL. */
export function formatMovePlan(plan: MovePlan): string[] {
  const { from, to } = plan;
  const total = plan.databases.reduce((n, d) => n + d.tables.reduce((m, t) => m + t.rows, 0), 0);
  const lines = [
    `Move plan for space ${plan.spaceId} (client ${plan.clientId}): ${from.flavor} ` +
      `(home ${from.homeRegion}) -> ${to.flavor} (home ${to.homeRegion}), --data ${plan.data}`,
    `  Residency: ${formatCountries(from.countries)} -> ${formatCountries(to.countries)}`,
    `  1. Fence: in table ${plan.tableName}, space ${plan.spaceId} gets state moving ` +
      `and epoch ${plan.epoch + 1} (a conditional write on epoch ${plan.epoch}): ` +
      `the lookup service answers 503 SPACE_MOVING, and tokens of epoch ${plan.epoch} are refused.`,
  ];
  if (plan.data === 'copy') {
    lines.push(
      `  2. Copy the space's rows (where ${plan.spaceColumn} = '${plan.spaceId}') ` +
        `with COPY, parents before children, one transaction per database on the target:`,
    );
  } else {
    lines.push(
      `  2. Copy: skipped (--data none): the space starts empty in ${to.flavor}; ` +
        `its ${plural(total, 'row')} in ${from.flavor} are purged in step 5 and lost.`,
    );
  }
  for (const d of plan.databases) {
    const rows = d.tables.reduce((n, t) => n + t.rows, 0);
    const where = d.target ? `${connectionKey(d.source)} -> ${connectionKey(d.target)}` : connectionKey(d.source);
    const holds = d.tables.length === 0 ? `no table has ${plan.spaceColumn}` : `${plural(rows, 'row')} in ${plural(d.tables.length, 'table')}`;
    lines.push(`     ${d.database}: ${where}: ${holds}`);
    for (const t of d.tables) lines.push(`       ${t.name}: ${plural(t.rows, 'row')}`);
    if (d.untouched.length > 0) lines.push(`       left in place (no ${plan.spaceColumn} column): ${d.untouched.join(', ')}`);
  }
  lines.push(
    plan.data === 'copy'
      ? '  3. Verify: per table, row count and an order-independent checksum (sum of md5 of each row), ' +
          'source vs target; a mismatch stops the move, removes the copied rows and leaves the source untouched.'
      : '  3. Verify: skipped (--data none).',
  );
  lines.push(
    `  4. Switch: space ${plan.spaceId} gets flavor ${to.flavor}, home ${to.homeRegion}, state ` +
      `active, epoch ${plan.epoch + 2}; the other spaces of client ${plan.clientId} are untouched.`,
  );
  lines.push(
    `  5. Purge: delete the space's ${plural(total, 'row')} from ${from.flavor}'s ` +
      `primary (${from.homeRegion}), one transaction per database; replicas follow.`,
  );
  lines.push(
    `  Snapshots: ${from.flavor}'s snapshots are whole volumes and cannot be ` +
      `edited. Those taken before the purge keep the space's rows until they expire: ` +
      `purge time + ${plan.retention.intervalHours} h x ${plan.retention.retain} ` +
      `= ${plan.retention.hours} h, so not before ${plan.snapshotsHoldDataUntil} (if purged now).`,
  );
  return lines;
}

/** A move in progress, as `flavors space move` shows it before resuming. */
export function describeMoveState(state: MoveState): string[] {
  return [
    `move ${state.moveId} of space ${state.spaceId} (${state.plan.from.flavor} ` +
      `-> ${state.plan.to.flavor}, --data ${state.plan.data}) is ${state.status}, started ${state.createdAt}:`,
    ...MOVE_STEPS.map((s, i) => `  ${i + 1}. ${s}: ${state.steps[s].status}${state.steps[s].error ? ` (${state.steps[s].error})` : ''}`),
  ];
}
