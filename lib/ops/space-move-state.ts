import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import { takeLocalLock, type LocalLock } from './local-lock';
import { readStateFile, writeStateFile } from './state-file';
import type { DatabaseFenceOutcome } from './space-move-fence';
import type { MovePlan } from './space-move-plan';

/**
 * The state file of a space move (`<stateDir>/move-<spaceId>.json`): the plan it executes, each
 * step's status, the epochs it wrote and what it copied and purged, so that a rerun resumes after
 * the last finished step and nothing is done twice. Written atomically (temp file + fsync +
 * rename); a lock file keeps two local runs from executing at once. It holds no URL or password:
 * databases are named by their connections key.
 */

export const MOVE_STEPS = ['fence', 'copy', 'verify', 'switch', 'purge'] as const;
export type MoveStepName = (typeof MOVE_STEPS)[number];

export interface MoveStepState {
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  startedAt?: string;
  finishedAt?: string;
  /** Why the step failed (or that it was interrupted). */
  error?: string;
}

export interface MoveState {
  version: 1;
  moveId: string;
  spaceId: string;
  status: 'in-progress' | 'done' | 'aborted';
  createdAt: string;
  updatedAt: string;
  plan: MovePlan;
  /** The epochs of the space: read when `--execute` started, and each one this move writes. */
  epochs: { read: number; fenced: number; switched: number; aborted?: number };
  steps: Record<MoveStepName, MoveStepState>;
  /** Per database (connections key): what its write fence (lib/fence) said when the move bumped it. */
  databaseFences?: Record<string, DatabaseFenceOutcome>;
  /** Per database: rows copied per table, once its target transaction committed. */
  copied: Record<string, Record<string, number>>;
  /** Per database: rows deleted from the source per table, once its transaction committed. */
  purged: Record<string, Record<string, number>>;
  /** When the purge finished, and the date after which no snapshot of the old flavor holds the rows. */
  purgedAt?: string;
  snapshotsHoldDataUntil?: string;
}

export function newMoveState(plan: MovePlan, moveId: string, now: Date): MoveState {
  const at = now.toISOString();
  const skip = plan.data === 'none' ? 'skipped' : 'pending';
  return {
    version: 1,
    moveId,
    spaceId: plan.spaceId,
    status: 'in-progress',
    createdAt: at,
    updatedAt: at,
    plan,
    epochs: { read: plan.epoch, fenced: plan.epoch + 1, switched: plan.epoch + 2 },
    steps: {
      fence: { status: 'pending' },
      copy: { status: skip },
      verify: { status: skip },
      switch: { status: 'pending' },
      purge: { status: 'pending' },
    },
    copied: {},
    purged: {},
  };
}

/** `mv-20250102T030405Z-1a2b`: sortable and unique enough per space. */
export function newMoveId(now: Date, random: () => number = Math.random): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `mv-${stamp}-${Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}

export class MoveStateStore {
  readonly file: string;
  readonly lockFile: string;

  constructor(
    readonly dir: string,
    readonly spaceId: string,
  ) {
    this.file = path.join(dir, `move-${spaceId}.json`);
    this.lockFile = path.join(dir, `move-${spaceId}.lock`);
  }

  read(): MoveState | undefined {
    const state = readStateFile(this.file, 'MOVE_STATE_CORRUPT') as MoveState | undefined;
    if (state === undefined) return undefined;
    if (state?.version !== 1 || state.spaceId !== this.spaceId || !state.steps || !state.plan || !state.epochs) {
      throw new FlavorsError(
        'MOVE_STATE_CORRUPT',
        `${this.file} is not a version 1 move state of space ${this.spaceId}; move it away to start over.`,
      );
    }
    return state;
  }

  /** Replaces the file whole: a reader sees the old or the new state, never a half-written one. */
  write(state: MoveState, now: Date = new Date()): void {
    state.updatedAt = now.toISOString();
    writeStateFile(this.file, state);
  }

  /** Moves a finished or aborted state aside (`move-<space>-<id>.json`) so a new move can start. */
  archive(state: MoveState): string {
    const to = path.join(this.dir, `move-${this.spaceId}-${state.moveId}.json`);
    fs.renameSync(this.file, to);
    return to;
  }

  lock(now: Date = new Date()): LocalLock {
    fs.mkdirSync(this.dir, { recursive: true });
    return takeLocalLock(this.lockFile, { code: 'MOVE_LOCKED', what: `flavors space move run of ${this.spaceId}`, now });
  }
}
