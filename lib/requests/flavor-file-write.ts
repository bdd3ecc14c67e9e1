import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import { loadFlavorFile, type FileProblem } from '../flavor/load-flavors';
import type { Flavor } from '../flavor/types';

export interface CandidateResult {
  /** The flavor the new text defines, when it loads without errors. */
  readonly flavor?: Flavor;
  /** Errors and warnings, reported against `shownAs` exactly as `flavors validate` reports them. */
  readonly problems: readonly FileProblem[];
  /** True when the text replaced the file. */
  readonly written: boolean;
}

export interface CandidateOptions {
  /** The name problems are reported under (the path the user sees). @default file */
  readonly shownAs?: string;
  /** Replace the file with the text when it validates. @default false */
  readonly write?: boolean;
  /** A last check of the loaded flavor before anything is written; throwing stops the write. */
  readonly check?: (flavor: Flavor) => void;
  /** The file's text the edit was computed from: if the file changed since (another edit), nothing is written. */
  readonly basedOn?: string;
}

/**
 * Checks `text` with the real flavor loader and validation, as if it were `file`, and optionally
 * writes it. The text is saved next to the file under a name flavor discovery skips (`_…`), so its
 * imports resolve as the file's do; it is loaded from there and, only when it has no error and
 * passes `check`, renamed over the file (atomic on one file system, keeping the file's mode).
 * On any error or throw the temporary file is removed and the flavor file is untouched.
 */
export function checkFlavorText(file: string, text: string, options: CandidateOptions = {}): CandidateResult {
  const dir = path.dirname(file);
  const temp = path.join(dir, `_${path.basename(file, '.ts')}.db-request-${process.pid}-${crypto.randomBytes(4).toString('hex')}.ts`);
  fs.writeFileSync(temp, text, { flag: 'wx' });
  try {
    const { flavor, problems } = loadFlavorFile(temp, options.shownAs ?? file);
    if (!flavor || problems.some((p) => p.severity === 'error')) return { problems, written: false };
    options.check?.(flavor);
    if (!options.write) return { flavor, problems, written: false };
    if (options.basedOn !== undefined && fs.readFileSync(file, 'utf-8') !== options.basedOn) {
      throw new FlavorsError(
        'DB_FILE_CHANGED',
        `${options.shownAs ?? file} changed while the request ran (another edit?); nothing was written, run the command again.`,
      );
    }
    fs.chmodSync(temp, fs.statSync(file).mode & 0o7777);
    fs.renameSync(temp, file);
    return { flavor, problems, written: true };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
