import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import type { ConnectionResolver } from '../ops/connections';
import type { LookupTableRef } from '../ops/fencing';
import { runMove } from '../ops/space-move-executor';
import { formatMovePlan } from '../ops/space-move-format';
import { planMove, type MoveDataMode, type MovePlan } from '../ops/space-move-plan';
import { MoveStateStore, newMoveId, newMoveState } from '../ops/space-move-state';

/**
 * What the move pages need from `flavors space move`: a plan first (nothing changes), then the
 * move itself, which refuses to run without the explicit data-loss confirmation.
 */
export interface SpaceMovePlanView {
  readonly spaceId: string;
  readonly fromFlavor: string;
  readonly toFlavor: string;
  readonly data: MoveDataMode;
  /** The plan as `flavors space move` prints it. */
  readonly lines: readonly string[];
  /** What the move deletes or leaves behind (why the confirmation is needed), one sentence each. */
  readonly dataLoss: readonly string[];
  /** Reasons the move cannot run, with the CLI's codes. */
  readonly refusals: readonly { readonly code: string; readonly message: string }[];
}

export interface SpaceMoveRequest {
  readonly spaceId: string;
  readonly toFlavor: string;
  readonly data: MoveDataMode;
}

export interface SpaceMoveService {
  /** The plan; throws the CLI's codes for an unknown space or flavor and the same flavor. */
  plan(input: SpaceMoveRequest): Promise<SpaceMovePlanView>;
  /** Runs the move; refuses unless `confirmDataLoss` is true and the plan has no refusal. Returns the lines the CLI prints. */
  execute(input: SpaceMoveRequest & { readonly confirmDataLoss: boolean }): Promise<readonly string[]>;
}

export interface LibrarySpaceMoveProps {
  readonly flavors: readonly Flavor[];
  readonly table: LookupTableRef;
  /** Connections of the flavors' databases (the CLI's connections file and AWS fallback). */
  readonly resolve: ConnectionResolver;
  /** Absolute `.flavors` folder: the move's state file, shared with `flavors space move` (which resumes or aborts it). */
  readonly stateDir: string;
  readonly now: () => Date;
}

function dataLossOf(plan: MovePlan): string[] {
  const rows = plan.databases.reduce((n, d) => n + d.tables.reduce((m, t) => m + t.rows, 0), 0);
  return [
    plan.data === 'none'
      ? `--data none: the space starts empty in ${plan.to.flavor}; its ${rows} row(s) in ${plan.from.flavor} are deleted and lost.`
      : `The space's ${rows} row(s) are copied to ${plan.to.flavor}, verified, ` +
        `then deleted from ${plan.from.flavor}'s primary (${plan.from.homeRegion}).`,
    `${plan.from.flavor}'s snapshots taken before the purge keep the rows until they expire ` +
      `(${plan.retention.hours} h, not before ${plan.snapshotsHoldDataUntil}); they cannot be edited.`,
    `The lookup service answers 503 SPACE_MOVING for ${plan.spaceId} while it moves, and tokens of epoch ${plan.epoch} stop working.`,
  ];
}

/** The space-move library (`lib/ops/space-move-*`) behind the portal: the same plan, state file, locks and executor as the CLI. */
export function librarySpaceMove(props: LibrarySpaceMoveProps): SpaceMoveService {
  const planOf = (r: SpaceMoveRequest, acceptDataLoss: boolean) =>
    planMove({
      spaceId: r.spaceId,
      target: r.toFlavor,
      data: r.data,
      acceptDataLoss,
      flavors: props.flavors,
      table: props.table,
      resolve: props.resolve,
      now: props.now(),
    });
  return {
    async plan(r) {
      const plan = await planOf(r, false);
      // Accepting data loss is what the confirmation does; it is not a refusal of the plan.
      const refusals = plan.refusals.filter((x) => x.code !== 'MOVE_DATA_LOSS_NOT_ACCEPTED');
      return {
        spaceId: plan.spaceId,
        fromFlavor: plan.from.flavor,
        toFlavor: plan.to.flavor,
        data: plan.data,
        lines: formatMovePlan(plan),
        dataLoss: dataLossOf(plan),
        refusals,
      };
    },
    async execute(r) {
      const store = new MoveStateStore(props.stateDir, r.spaceId);
      const existing = store.read();
      if (existing?.status === 'in-progress') {
        throw new FlavorsError(
          'MOVE_IN_PROGRESS',
          `move ${existing.moveId} of space ${r.spaceId} to ${existing.plan.to.flavor} is in progress (${store.file}); ` +
            `resume or end it with flavors space move ${r.spaceId} --to ${existing.plan.to.flavor} --execute|--abort.`,
        );
      }
      const plan = await planOf(r, r.confirmDataLoss);
      if (!r.confirmDataLoss) {
        const refusal = plan.refusals.find((x) => x.code === 'MOVE_DATA_LOSS_NOT_ACCEPTED');
        throw new FlavorsError(
          refusal?.code ?? 'PORTAL_MOVE_NOT_CONFIRMED',
          refusal?.message ?? `moving ${r.spaceId} deletes its rows from ${plan.from.flavor}; tick the confirmation to carry out the plan.`,
        );
      }
      if (plan.refusals.length > 0) throw new FlavorsError(plan.refusals[0].code, plan.refusals.map((x) => x.message).join(' '));
      const lock = store.lock(props.now());
      const log: string[] = [];
      try {
        const previous = store.read();
        if (previous?.status === 'in-progress')
          throw new FlavorsError(
            'MOVE_IN_PROGRESS',
            `another run started move ${previous.moveId} of space ${r.spaceId} meanwhile; reload to see it.`,
          );
        if (previous) store.archive(previous);
        const now = props.now();
        const state = newMoveState(plan, newMoveId(now), now);
        store.write(state, now);
        const done = await runMove(state, { table: props.table, resolve: props.resolve, store, log: (line) => log.push(line), now: props.now });
        return [
          ...log,
          `space ${done.spaceId} moved from ${done.plan.from.flavor} to ${done.plan.to.flavor} ` +
            `(home ${done.plan.to.homeRegion}, epoch ${done.epochs.switched}).`,
          `Snapshots of ${done.plan.from.flavor} taken before ${done.purgedAt} hold its rows ` +
            `until ${done.snapshotsHoldDataUntil}; they are whole volumes and cannot be edited.`,
        ];
      } finally {
        lock.release();
      }
    },
  };
}
