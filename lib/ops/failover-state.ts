import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlavorsError } from '../errors';
import type { DbFenceState } from './failover-db-fence';
import type { FailoverPlan } from './failover-plan';

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
}

export function newFailoverState(plan: FailoverPlan, failoverId: string, acceptDataLoss: boolean, now: Date): FailoverState {
  const at = now.toISOString();
  return {
    version: 1, failoverId, flavor: plan.flavor, from: plan.from, to: plan.to, status: 'in-progress', acceptDataLoss,
    createdAt: at, updatedAt: at, plan,
    steps: { fence: { status: 'pending' }, restore: { status: 'pending' }, dns: { status: 'pending' }, verify: { status: 'pending' } },
    fence: { spaces: {} },
    restore: { volumes: {}, promoted: {} },
    dns: {},
    dbFence: { source: {}, target: {} },
  };
}

/** `fo-20250102T030405Z-1a2b`: sortable, unique enough per flavor, usable as an EC2 client token. */
export function newFailoverId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `fo-${stamp}-${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}

export const restoreKey = (database: string, node: string) => `${database}/${node}`;

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held local lock; `release` is idempotent. */
export interface LocalLock {
  release(): void;
}

export class FailoverStateStore {
  readonly file: string;
  readonly lockFile: string;

  constructor(readonly dir: string, readonly flavor: string) {
    this.file = path.join(dir, `failover-${flavor}.json`);
    this.lockFile = path.join(dir, `failover-${flavor}.lock`);
  }

  read(): FailoverState | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf-8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let state: FailoverState;
    try {
      state = JSON.parse(text);
    } catch {
      throw new FlavorsError('FAILOVER_STATE_CORRUPT', `${this.file} is not valid JSON; it is only ever replaced whole, so it was edited by hand: restore it or move it away.`);
    }
    if (state?.version !== 1 || state.flavor !== this.flavor || !state.steps || !state.plan) {
      throw new FlavorsError('FAILOVER_STATE_CORRUPT', `${this.file} is not a version 1 failover state of ${this.flavor}; move it away to start over.`);
    }
    // Written before the database fence existed: nothing of it was done yet.
    state.dbFence ??= { source: {}, target: {} };
    return state;
  }

  /** Replaces the file whole: a reader sees the old or the new state, never a half-written one. */
  write(state: FailoverState, now: Date = new Date()): void {
    state.updatedAt = now.toISOString();
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
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
    const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: now.toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockFile, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
        let held = true;
        return { release: () => { if (held) { held = false; fs.rmSync(this.lockFile, { force: true }); } } };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = this.lockHolder();
        if (holder && (holder.host !== info.host || pidAlive(holder.pid))) {
          throw new FlavorsError('FAILOVER_LOCKED', `another flavors failover run of ${this.flavor} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}) holds ${this.lockFile}; wait for it to end.`);
        }
        if (!holder && this.lockAgeMs() < 10_000) {
          // Created a moment ago and not written yet: another run is taking it right now.
          break;
        }
        // Left by a process that no longer runs (or unreadable for a while): take it over.
        fs.rmSync(this.lockFile, { force: true });
      }
    }
    throw new FlavorsError('FAILOVER_LOCKED', `could not take ${this.lockFile}; another run is starting at the same time.`);
  }

  private lockAgeMs(): number {
    try {
      return Date.now() - fs.statSync(this.lockFile).mtimeMs;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  private lockHolder(): LockInfo | undefined {
    try {
      const info = JSON.parse(fs.readFileSync(this.lockFile, 'utf-8')) as LockInfo;
      return typeof info.pid === 'number' && typeof info.host === 'string' ? info : undefined;
    } catch {
      return undefined;
    }
  }
}
