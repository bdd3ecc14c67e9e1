import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import type { DbFenceState } from './failover-db-fence';
import type { K8sDbState } from './failover-k8s';
import type { FailoverPlan } from './failover-plan';
import { takeLocalLock, type LocalLock } from './local-lock';
import { readStateFile, writeStateFile } from './state-file';

/**
 * The state file of a failover (`<stateDir>/failover-<flavor>.json`): the plan it executes, each
 * step's status and the progress of each item, so that a rerun resumes after the last finished
 * item and nothing is done twice. Written atomically (temp file + fsync + rename); a lock file
 * keeps two local runs from executing at once.
 */

export const FAILOVER_STEPS = ['fence', 'restore', 'dns', 'verify'] as const;
export type FailoverStepName = (typeof FAILOVER_STEPS)[number];
export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StepState {
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  /** Why the step failed (or that it was interrupted). */
  error?: string;
}

/** Per space: the epoch read before fencing and the one the conditional write sets. */
export interface FencedSpace {
  seen: number;
  target: number;
  /** Policy excludes the target: only the epoch moves. */
  keepHome: boolean;
  status: 'pending' | 'done' | 'gone';
}

export interface VolumeRestoreProgress {
  /** The restored volume, once created. */
  volumeId?: string;
  done: boolean;
}

export interface FailoverState {
  version: 1;
  failoverId: string;
  flavor: string;
  from: string;
  to: string;
  status: 'in-progress' | 'done' | 'aborted';
  acceptDataLoss: boolean;
  createdAt: string;
  updatedAt: string;
  plan: FailoverPlan;
  steps: Record<FailoverStepName, StepState>;
  fence: { spaces: Record<string, FencedSpace> };
  /** Keyed `<database>/<node>`. */
  restore: { volumes: Record<string, VolumeRestoreProgress>; promoted: Record<string, boolean> };
  dns: { changeId?: string };
  /** The write fence in the databases (lib/fence), including the ingress rules revoked on the old primary. */
  dbFence: DbFenceState;
  /** CloudNativePG clusters by database: the old primary's demotion (and its token), the target's promotion. */
  k8s: Record<string, K8sDbState>;
}

export function newFailoverState(plan: FailoverPlan, failoverId: string, acceptDataLoss: boolean, now: Date): FailoverState {
  const at = now.toISOString();
  return {
    version: 1,
    failoverId,
    flavor: plan.flavor,
    from: plan.from,
    to: plan.to,
    status: 'in-progress',
    acceptDataLoss,
    createdAt: at,
    updatedAt: at,
    plan,
    steps: { fence: { status: 'pending' }, restore: { status: 'pending' }, dns: { status: 'pending' }, verify: { status: 'pending' } },
    fence: { spaces: {} },
    restore: { volumes: {}, promoted: {} },
    dns: {},
    dbFence: { source: {}, target: {} },
    k8s: {},
  };
}

/** `fo-20250102T030405Z-1a2b`: sortable, unique enough per flavor, usable as an EC2 client token. */
export function newFailoverId(now: Date, random: () => number = Math.random): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `fo-${stamp}-${Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}

export const restoreKey = (database: string, node: string) => `${database}/${node}`;

export type { LocalLock } from './local-lock';

export class FailoverStateStore {
  readonly file: string;
  readonly lockFile: string;

  constructor(
    readonly dir: string,
    readonly flavor: string,
  ) {
    this.file = path.join(dir, `failover-${flavor}.json`);
    this.lockFile = path.join(dir, `failover-${flavor}.lock`);
  }

  read(): FailoverState | undefined {
    const state = readStateFile(this.file, 'FAILOVER_STATE_CORRUPT') as FailoverState | undefined;
    if (state === undefined) return undefined;
    if (state?.version !== 1 || state.flavor !== this.flavor || !state.steps || !state.plan) {
      throw new FlavorsError(
        'FAILOVER_STATE_CORRUPT',
        `${this.file} is not a version 1 failover state of ${this.flavor}; move it away to start over.`,
      );
    }
    // Written before the database fence existed: nothing of it was done yet.
    state.dbFence ??= { source: {}, target: {} };
    state.k8s ??= {};
    return state;
  }

  /** Replaces the file whole: a reader sees the old or the new state, never a half-written one. */
  write(state: FailoverState, now: Date = new Date()): void {
    state.updatedAt = now.toISOString();
    writeStateFile(this.file, state);
  }

  /** Moves a finished or aborted state aside (`failover-<flavor>-<id>.json`) so a new failover can start. */
  archive(state: FailoverState): string {
    const to = path.join(this.dir, `failover-${this.flavor}-${state.failoverId}.json`);
    fs.renameSync(this.file, to);
    return to;
  }

  /**
   * Takes the local lock (exclusive create). A lock left by a process of this host that no longer
   * runs is taken over; a live one ends with `FAILOVER_LOCKED`.
   */
  lock(now: Date = new Date()): LocalLock {
    fs.mkdirSync(this.dir, { recursive: true });
    return takeLocalLock(this.lockFile, { code: 'FAILOVER_LOCKED', what: `flavors failover run of ${this.flavor}`, now });
  }
}
