import * as fs from 'fs';
import * as path from 'path';
import { FlavorError, type Problem } from '../errors';
import { isFlavor } from './define-flavor';
import type { Flavor } from './types';

/** A problem found in a flavor file. */
export interface FileProblem extends Problem {
  readonly file: string;
}

export interface LoadedFlavor {
  readonly file: string;
  readonly flavor: Flavor;
}

export interface LoadResult {
  readonly flavors: readonly LoadedFlavor[];
  /** Errors and warnings of every file, in file order. */
  readonly problems: readonly FileProblem[];
}

/** Flavor files: `*.ts` in the folder, except declarations, tests and files starting with `_` (shared helpers). */
export function listFlavorFiles(dir: string): string[] {
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The compiler's own words, without native backtraces: the first lines, whitespace collapsed. */
function firstLines(message: string): string {
  return message.split(/Stack backtrace:|Caused by:/)[0]
    .split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).slice(0, 3).join(' ');
}

/**
 * Loads one flavor file (TypeScript, through the running TS loader: tsx or jest) and returns its
 * flavor or the problems that stop it, never throwing: a file that does not compile, throws, or
 * does not default-export a `defineFlavor(...)` becomes a problem with a stable code.
 *
 * `reportAs` checks a candidate text saved under another name (e.g. an edit not yet written) as if it
 * were that file: problems name it, and the flavor name must match its file name.
 */
export function loadFlavorFile(file: string, reportAs: string = file): { flavor?: Flavor; problems: FileProblem[] } {
  const abs = path.resolve(file);
  const at = (p: Problem): FileProblem => ({ file: reportAs, ...p });
  if (!fs.existsSync(abs)) {
    return { problems: [at({ code: 'FLAVOR_FILE_NOT_FOUND', path: '', severity: 'error', message: 'file does not exist; pass a path to a flavor file such as flavors/global.ts.' })] };
  }
  let mod: { default?: unknown };
  try {
    // Flavor files are TypeScript loaded at run time; require is how the active loader (tsx, jest) hooks in.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time, loaded through the active loader (see above)
    mod = require(abs) as { default?: unknown };
  } catch (err) {
    if (err instanceof FlavorError) return { problems: err.problems.map((p) => at(p)) };
    // Errors thrown by a loader may come from another realm (jest's vm), so no instanceof Error here.
    const raw = typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
    const message = firstLines(raw);
    return { problems: [at({ code: 'FLAVOR_FILE_UNLOADABLE', path: '', severity: 'error', message: `cannot load the file: ${message}. Fix the syntax or the import it names.` })] };
  }
  const flavor = mod.default;
  if (!isFlavor(flavor)) {
    return { problems: [at({ code: 'FLAVOR_FILE_NO_DEFAULT_EXPORT', path: '', severity: 'error', message: "the file must `export default defineFlavor({...})` (import { defineFlavor } from '../lib')." })] };
  }
  const problems = flavor.warnings.map(at);
  const expected = path.basename(reportAs, '.ts');
  if (flavor.name !== expected) {
    problems.push(at({ code: 'FLAVOR_NAME_FILE_MISMATCH', path: 'name', severity: 'error', message: `name '${flavor.name}' must equal the file name '${expected}'; rename the file or the flavor.` }));
  }
  return { flavor, problems };
}

/** Loads the given flavor files and checks what spans files (unique names). */
export function loadFlavorFiles(files: readonly string[]): LoadResult {
  const flavors: LoadedFlavor[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const result = loadFlavorFile(file);
    problems.push(...result.problems);
    if (!result.flavor) continue;
    const other = seen.get(result.flavor.name);
    if (other) {
      problems.push({ file, code: 'FLAVOR_NAME_DUPLICATE', path: 'name', severity: 'error', message: `name '${result.flavor.name}' is already used by ${other}; flavor names must be unique.` });
      continue;
    }
    seen.set(result.flavor.name, file);
    if (!result.problems.some((p) => p.severity === 'error')) flavors.push({ file, flavor: result.flavor });
  }
  return { flavors, problems };
}

/** Loads every flavor of a folder; throws one `FlavorError` naming each file's problems if any has an error. */
export function loadFlavorsOrThrow(dir: string): Flavor[] {
  const { flavors, problems } = loadFlavorFiles(listFlavorFiles(dir));
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new FlavorError(errors.map((p) => ({ ...p, path: `${p.file}: ${p.path}`.replace(/: $/, '') })));
  }
  return flavors.map((f) => f.flavor);
}

/** `file: path: CODE: message` — the one format the CLI, CI and people read; warnings say so before the message. */
export function formatProblem(p: FileProblem): string {
  const level = p.severity === 'warning' ? 'warning: ' : '';
  return `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.code}: ${level}${p.message}`;
}
