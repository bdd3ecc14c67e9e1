import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlavorsError } from '../errors';

function git(
  cwd: string,
  args: readonly string[],
  options: { input?: string; env?: Record<string, string> } = {},
): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8', input: options.input, env: { ...process.env, ...options.env } });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n')[0] };
}

function gitOrThrow(cwd: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): string {
  const r = git(cwd, args, options);
  if (!r.ok) throw new FlavorsError('DB_GIT_FAILED', `git ${args[0]} failed: ${r.err}`);
  return r.out;
}

/** The top of the git work tree holding `file`, or undefined outside a repository. */
export function gitTopLevel(file: string): string | undefined {
  const r = git(path.dirname(file), ['rev-parse', '--show-toplevel']);
  return r.ok ? fs.realpathSync(r.out) : undefined;
}

/** Where a new branch will be cut from and what goes in it; checked before any file is touched. */
export interface BranchTarget {
  readonly top: string;
  /** The flavor file, relative to `top`, with `/` separators. */
  readonly relPath: string;
  readonly branch: string;
  /** The commit the branch starts from (the current HEAD). */
  readonly parent: string;
}

/**
 * Checks that `branch` can be created from HEAD with `file` as its only change: a repository with
 * a commit, a valid and unused branch name, and the file tracked with no uncommitted change
 * (otherwise the branch would silently carry, or drop, the user's own edits).
 */
export function checkBranchTarget(file: string, branch: string): BranchTarget {
  const top = gitTopLevel(file);
  if (!top)
    throw new FlavorsError(
      'DB_NOT_IN_GIT',
      `${file} is not inside a git repository; --branch commits there, so run inside your clone or leave --branch out.`,
    );
  const relPath = path.relative(top, fs.realpathSync(file)).split(path.sep).join('/');
  if (!git(top, ['check-ref-format', '--branch', branch]).ok || branch.startsWith('-')) {
    throw new FlavorsError('DB_BRANCH_INVALID', `'${branch}' is not a valid branch name; use e.g. db/add-search.`);
  }
  if (git(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).ok) {
    throw new FlavorsError('DB_BRANCH_EXISTS', `branch '${branch}' already exists; pick a new name (the request never moves an existing branch).`);
  }
  const parent = git(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!parent.ok) throw new FlavorsError('DB_GIT_NO_COMMIT', `the repository at ${top} has no commit yet; commit the flavor files first.`);
  if (!git(top, ['cat-file', '-e', `HEAD:${relPath}`]).ok) {
    throw new FlavorsError('DB_BRANCH_FILE_DIRTY', `${relPath} is not committed on HEAD; commit it first so the branch holds only this request.`);
  }
  const status = gitOrThrow(top, ['status', '--porcelain', '--', relPath]);
  if (status !== '') {
    throw new FlavorsError(
      'DB_BRANCH_FILE_DIRTY',
      `${relPath} has uncommitted changes (${status.slice(0, 2).trim()}); commit or stash them first so the branch holds only this request.`,
    );
  }
  return { top, relPath, branch, parent: parent.out };
}

/**
 * Commits `content` as the target's file on a new branch cut from its parent, with git plumbing and
 * a private index: the current branch, the index and the working tree are not touched, and the
 * commit differs from its parent in that one file. The branch ref is created only if still absent.
 * Returns the new commit id.
 */
export function commitOnNewBranch(target: BranchTarget, content: string, message: string): string {
  const { top, relPath, branch, parent } = target;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-db-index-'));
  try {
    const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
    gitOrThrow(top, ['read-tree', parent], { env });
    const mode = gitOrThrow(top, ['ls-tree', parent, '--', relPath]).split(/\s/)[0] || '100644';
    // --path applies the repository's filters (line endings) as `git add` would.
    const blob = gitOrThrow(top, ['hash-object', '-w', '--stdin', '--path', relPath], { input: content });
    gitOrThrow(top, ['update-index', '--cacheinfo', `${mode},${blob},${relPath}`], { env });
    const tree = gitOrThrow(top, ['write-tree'], { env });
    const commit = gitOrThrow(top, ['commit-tree', tree, '-p', parent, '-m', message]);
    // The all-zero old value makes the update fail if the branch appeared meanwhile.
    gitOrThrow(top, ['update-ref', '-m', `flavors db: ${message.split('\n')[0]}`, `refs/heads/${branch}`, commit, '0'.repeat(parent.length)]);
    return commit;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
