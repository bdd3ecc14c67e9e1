import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';

/**
 * The JSON state files of long operations (failover, space move): read whole, replaced whole. A
 * reader sees the old or the new state, never a half-written one, so a file that does not parse
 * was edited by hand.
 */

/** The parsed file, or undefined when there is none; a file that is not JSON is `corruptCode`. */
export function readStateFile(file: string, corruptCode: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FlavorsError(
      corruptCode,
      `${file} is not valid JSON; it is only ever replaced whole, so it was edited by hand: restore it or move it away.`,
    );
  }
}

/** Replaces the file whole (temp file, fsync, rename), readable by its owner only. */
export function writeStateFile(file: string, state: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
