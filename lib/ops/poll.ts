import { FlavorsError } from '../errors';
import { OPS_DEFAULTS } from './defaults';

/** Waits `ms` milliseconds; tests pass one that returns at once. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  readonly sleep: Sleep;
  /** @default OPS_DEFAULTS.poll.attempts */
  readonly attempts?: number;
  /** @default OPS_DEFAULTS.poll.delayMs */
  readonly delayMs?: number;
}

/**
 * Calls `probe` until it returns a value (not undefined), sleeping between calls; after the last
 * attempt fails with `OPS_WAIT_TIMEOUT` naming what it waited for. Rerunning the command resumes the wait.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const attempts = options.attempts ?? OPS_DEFAULTS.poll.attempts;
  const delayMs = options.delayMs ?? OPS_DEFAULTS.poll.delayMs;
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (i < attempts - 1) await options.sleep(delayMs);
  }
  throw new FlavorsError('OPS_WAIT_TIMEOUT', `${what}: not reached after ${attempts} checks ${delayMs} ms apart; rerun the command to keep waiting.`);
}
