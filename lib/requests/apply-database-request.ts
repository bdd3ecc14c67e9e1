import * as fs from 'fs';
import { isDeepStrictEqual } from 'util';
import { FlavorsError } from '../errors';
import type { FileProblem } from '../flavor/load-flavors';
import type { Flavor } from '../flavor/types';
import { describeChange, planDatabaseRequest, type DatabaseChange, type DatabaseRequest } from './database-request';
import { applyEdits } from './flavor-file-edit';
import { checkFlavorText } from './flavor-file-write';
import { checkBranchTarget, commitOnNewBranch } from './git-branch';
import { retainedResources, type RetainedResource } from './retained-resources';
import { unifiedDiff } from './unified-diff';

/** The edited flavor file does not validate; `problems` are what `flavors validate` would print. Nothing was written. */
export class RequestValidationError extends FlavorsError {
  constructor(
    file: string,
    public readonly problems: readonly FileProblem[],
  ) {
    super(
      'DB_REQUEST_INVALID',
      `the edited ${file} does not validate (${problems
        .filter((p) => p.severity === 'error')
        .map((p) => p.code)
        .join(', ')}); nothing was written.`,
    );
  }
}

export interface DatabaseRequestOptions {
  /** The flavor file. */
  readonly file: string;
  /** The flavor as that file defines it now (validated). */
  readonly flavor: Flavor;
  readonly request: DatabaseRequest;
  /** How the file is named in messages and the diff (e.g. relative to the working directory). @default file */
  readonly shownAs?: string;
  /** Commit the edit on this new branch instead of writing the working tree. */
  readonly branch?: string;
  /** Without `branch`: write the edited file. false = only return the diff (the portal's preview and patch download). @default true */
  readonly write?: boolean;
}

export interface DatabaseRequestResult {
  readonly change: DatabaseChange;
  readonly before: string;
  readonly after: string;
  /** Unified diff of the file. */
  readonly diff: string;
  /** True when the working-tree file was replaced (no `branch`). */
  readonly written: boolean;
  /** The new commit on `branch`. */
  readonly commit?: string;
  /** What outlives the change: everything of a removed database, the volumes of ec2 nodes a resize drops. */
  readonly retained: readonly RetainedResource[];
}

/** The loaded result must be exactly the request: the one database as planned, every other one as it was. */
function expectOnly(before: Flavor, change: DatabaseChange): (after: Flavor) => void {
  return (after) => {
    const names = new Set([...Object.keys(before.databases), ...Object.keys(after.databases)]);
    for (const n of names) {
      const expected = n === change.name ? change.after : before.databases[n];
      if (!isDeepStrictEqual(after.databases[n], expected)) {
        throw new FlavorsError(
          'DB_EDIT_MISMATCH',
          `after the edit, database '${n}' of ${before.name} is not what the request asked for ` +
            `(the file may compute its databases); nothing was written, make this change by hand.`,
        );
      }
    }
  };
}

/**
 * Runs a database request end to end on one flavor file: refuses what it must (stable codes),
 * edits only the database's entry, validates the new text with the flavor loader, and then either
 * writes the file atomically or commits it on a new branch. Nothing is written on any error.
 */
export function applyDatabaseRequest(options: DatabaseRequestOptions): DatabaseRequestResult {
  const { file, flavor, request } = options;
  const shownAs = options.shownAs ?? file;
  const target = options.branch !== undefined ? checkBranchTarget(file, options.branch) : undefined;
  const before = fs.readFileSync(file, 'utf-8');
  const change = planDatabaseRequest(shownAs, before, flavor, request);
  const after = applyEdits(before, change.edits);
  const checked = checkFlavorText(file, after, {
    shownAs,
    write: !target && options.write !== false,
    check: expectOnly(flavor, change),
    basedOn: before,
  });
  if (checked.problems.some((p) => p.severity === 'error')) throw new RequestValidationError(shownAs, checked.problems);
  const commit = target ? commitOnNewBranch(target, after, `flavors db ${describeChange(change)}`) : undefined;
  let retained: RetainedResource[] = [];
  if (change.kind === 'remove') retained = retainedResources(flavor, change.name, change.before!);
  else if (change.before?.platform === 'ec2' && change.after?.platform === 'ec2' && change.after.nodes < change.before.nodes) {
    retained = retainedResources(flavor, change.name, change.before, change.after.nodes).filter((r) => r.what === 'EBS data volume');
  }
  return { change, before, after, diff: unifiedDiff(before, after, shownAs), written: checked.written, commit, retained };
}
