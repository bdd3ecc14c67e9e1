import { FlavorsError } from '../../lib/errors';

/** What the local servers (`lookup serve`, `portal`) share: port flags and waiting for Ctrl-C. */

/** A `--<flag>` port number, 0 meaning any free port; anything else is `CLI_BAD_ARGUMENTS`. */
export function portOption(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535)
    throw new FlavorsError(
      'CLI_BAD_ARGUMENTS',
      `--${flag} must be a port number from 0 (any free port) to 65535, not ${JSON.stringify(value.slice(0, 20))}.`,
    );
  return n;
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, a test or a supervisor stopping the server). */
export function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
