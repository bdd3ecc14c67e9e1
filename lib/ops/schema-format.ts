/** What `flavors schema status` and `flavors schema apply` print: a table, the plan, and JSON. */
import { connectionKey } from './connections';
import { formatVersion, type Migration } from './schema-migrations';
import { targetLabel, type TargetStatus } from './schema-rollout';

function versionOf(version: number | undefined): string {
  return version === undefined ? 'none' : formatVersion(version);
}

function names(migrations: readonly Migration[]): string {
  return migrations.map((m) => `${m.name}${m.noTransaction ? ' (no transaction)' : ''}`).join(', ');
}

function stateOf(status: TargetStatus): string {
  const { state, problems } = status;
  const parts: string[] = [];
  if (state.drift.length > 0) parts.push(`DRIFT ${state.drift.map((d) => d.migration.name).join(', ')}`);
  if (state.unfinished.length > 0) parts.push(`UNFINISHED ${state.unfinished.map((u) => u.entry.name).join(', ')}`);
  if (state.missing.length > 0) parts.push(`MISSING FILE ${state.missing.map((m) => m.name).join(', ')}`);
  if (state.outOfOrder.length > 0) parts.push(`OUT OF ORDER ${state.outOfOrder.map((m) => m.name).join(', ')}`);
  if (parts.length === 0 && problems.length === 0) return state.pending.length > 0 ? `pending: ${names(state.pending)}` : 'up to date';
  return parts.join('; ');
}

/** The header line: which files the command compared against. */
export function migrationsHeader(database: string, dir: string, migrations: readonly Migration[]): string {
  const range =
    migrations.length > 0 ? ` (${formatVersion(migrations[0].version)}..${formatVersion(migrations[migrations.length - 1].version)})` : '';
  return `${database}: ${migrations.length} migration${migrations.length === 1 ? '' : 's'} in ${dir}/${range}`;
}

/** `flavors schema status`: one row per flavor, then each problem as `error CODE: flavor (region): …`. */
export function formatStatus(statuses: readonly TargetStatus[]): { table: string[]; errors: string[] } {
  const rows = [
    ['FLAVOR', 'PRIMARY', 'APPLIED', 'PENDING', 'STATE'],
    ...statuses.map((s) => [s.target.ref.flavor, s.target.ref.region, versionOf(s.state.appliedVersion), String(s.state.pending.length), stateOf(s)]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
  return { table, errors: problemLines(statuses) };
}

/** Every problem of every target, one line each, as the CLI prints errors. */
export function problemLines(statuses: readonly TargetStatus[]): string[] {
  return statuses.flatMap((s) => s.problems.map((p) => `error ${p.code}: ${targetLabel(s.target)}: ${p.message}`));
}

/** `flavors schema apply` without `--execute`: what each flavor would get, in apply order. */
export function formatApplyPlan(statuses: readonly TargetStatus[], migrations: readonly Migration[], retry?: number): string[] {
  const top = versionOf(migrations[migrations.length - 1]?.version);
  const lines = statuses.map((s, i) => {
    const { state } = s;
    const retried = state.unfinished.filter((u) => u.entry.version === retry && u.migration).map((u) => u.migration!);
    const runs = [...retried, ...state.pending];
    const what =
      s.problems.length > 0
        ? `blocked at ${versionOf(state.appliedVersion)} (${s.problems.map((p) => p.code).join(', ')})`
        : runs.length === 0
          ? `up to date at ${versionOf(state.appliedVersion)}`
          : `${versionOf(state.appliedVersion)} ` +
            `-> ${top}: ${retried.length > 0 ? `retry ${names(retried)}${state.pending.length > 0 ? ', then ' : ''}` : ''}${names(state.pending)}`;
    return `  ${i + 1}. ${targetLabel(s.target)}${s.target.canary ? ' [canary]' : ''}: ${what}`;
  });
  return [`apply order (${statuses.some((s) => s.target.canary) ? 'canary first, then ' : ''}by name):`, ...lines];
}

/** How many migrations an apply would run, and on how many flavors. */
export function applyCounts(statuses: readonly TargetStatus[], retry?: number): { migrations: number; flavors: number } {
  const perTarget = statuses.map((s) => s.state.pending.length + s.state.unfinished.filter((u) => u.entry.version === retry && u.migration).length);
  return { migrations: perTarget.reduce((a, b) => a + b, 0), flavors: perTarget.filter((n) => n > 0).length };
}

/** `flavors schema status --json`: one object per flavor. */
export function statusJson(database: string, statuses: readonly TargetStatus[]): unknown {
  return {
    database,
    flavors: statuses.map(({ target, state, problems }) => ({
      flavor: target.ref.flavor,
      region: target.ref.region,
      connection: connectionKey(target.ref),
      appliedVersion: state.appliedVersion ?? null,
      pending: state.pending.map((m) => ({ version: m.version, name: m.name, noTransaction: m.noTransaction })),
      drift: state.drift.map((d) => ({
        version: d.migration.version,
        name: d.migration.name,
        appliedChecksum: d.entry.checksum,
        fileChecksum: d.migration.checksum,
      })),
      unfinished: state.unfinished.map((u) => ({
        version: u.entry.version,
        name: u.entry.name,
        startedAt: u.entry.startedAt.toISOString(),
        diagnosis: u.diagnosis,
      })),
      missing: state.missing.map((h) => ({ version: h.version, name: h.name })),
      outOfOrder: state.outOfOrder.map((m) => ({ version: m.version, name: m.name })),
      problems,
    })),
  };
}
