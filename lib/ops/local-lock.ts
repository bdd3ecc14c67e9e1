import * as fs from 'fs';
import * as os from 'os';
import { FlavorsError } from '../errors';

/**
 * A lock file next to a long operation's state file (`failover-<flavor>.lock`, `move-<space>.lock`)
 * that keeps two local runs from executing at once. Exclusive create; a lock left by a process of
 * this host that no longer runs is taken over.
 */

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** A held local lock; `release` is idempotent. */
export interface LocalLock {
  release(): void;
}

export interface LocalLockOptions {
  /** The error code when another run holds it, e.g. `FAILOVER_LOCKED`. */
  readonly code: string;
  /** What holds it, for the message, e.g. `flavors failover run of global`. */
  readonly what: string;
  /** @default new Date() */
  readonly now?: Date;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function lockHolder(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf-8')) as LockInfo;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock file (its folder must exist) or throws `options.code` naming the live holder. */
export function takeLocalLock(file: string, options: LocalLockOptions): LocalLock {
  const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: (options.now ?? new Date()).toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
      let held = true;
      return {
        release: () => {
          if (held) {
            held = false;
            fs.rmSync(file, { force: true });
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHolder(file);
      if (holder && (holder.host !== info.host || pidAlive(holder.pid))) {
        throw new FlavorsError(
          options.code,
          `another ${options.what} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}) holds ${file}; wait for it to end.`,
        );
      }
      if (!holder && lockAgeMs(file) < 10_000) {
        // Created a moment ago and not written yet: another run is taking it right now.
        break;
      }
      // Left by a process that no longer runs (or unreadable for a while): take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new FlavorsError(options.code, `could not take ${file}; another run is starting at the same time.`);
}
