import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './run-cli';

/** A temp folder `<root>/flavors` holding copies of the real flavor files; `<root>/lib` links to this repo's lib so their imports resolve. */
export interface FlavorCopies {
  readonly root: string;
  readonly dir: string;
  file(name: string): string;
  read(name: string): string;
  cleanup(): void;
}

export function copyFlavors(options: { git?: boolean } = {}): FlavorCopies {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-db-')));
  const dir = path.join(root, 'flavors');
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(path.join(ROOT, 'flavors'))) fs.copyFileSync(path.join(ROOT, 'flavors', f), path.join(dir, f));
  fs.symlinkSync(path.join(ROOT, 'lib'), path.join(root, 'lib'), 'dir');
  if (options.git) {
    git(root, 'init', '-q', '-b', 'main');
    // The identity later commits (the code under test) use, written into the repository's config without two more git runs;
    // and no background maintenance after each commit (a git process per commit, for a repository that lives a second).
    fs.appendFileSync(
      path.join(root, '.git', 'config'),
      '[user]\n\tname = Test\n\temail = test@example.com\n[maintenance]\n\tauto = false\n[gc]\n\tauto = 0\n',
    );
    git(root, 'add', '.');
    git(root, 'commit', '-qm', 'flavors');
  }
  const file = (name: string) => path.join(dir, `${name}.ts`);
  return { root, dir, file, read: (name) => fs.readFileSync(file(name), 'utf-8'), cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Runs git in `cwd` and returns its trimmed stdout; throws on failure. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
