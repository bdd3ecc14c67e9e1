import * as fs from 'fs';
import * as path from 'path';
import { FlavorDefinitionError, type Problem } from '../errors';
import { defineFlavor, isFlavor } from './define-flavor';
import { fileTimeoutOf, loadInSandbox, type LoadOutcome, type SandboxOptions } from './sandbox-load';
import type { Flavor, FlavorSpec } from './types';

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
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The compiler's own words, without native backtraces: the first lines, whitespace collapsed. */
function firstLines(message: string): string {
  return message
    .split(/Stack backtrace:|Caused by:/)[0]
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
}

const FLAVOR_FIELDS = ['name', 'description', 'residency', 'regions', 'databases', 'backup', 'failover'] as const;

/** How flavor files are loaded: the sandbox's limits (sandbox-load.ts); each left out is its default. */
export type LoadOptions = SandboxOptions;

/** Turns what loading one file came to into its flavor or its problems. */
function interpret(file: string, outcome: LoadOutcome, options: LoadOptions): { flavor?: Flavor; problems: FileProblem[] } {
  const at = (p: Problem): FileProblem => ({ file, ...p });
  const error = (code: string, message: string, path = ''): { problems: FileProblem[] } => ({
    problems: [at({ code, path, severity: 'error', message })],
  });
  switch (outcome.kind) {
    case 'unbundlable':
      return error('FLAVOR_FILE_UNLOADABLE', `cannot load the file: ${firstLines(outcome.message)}. Fix the syntax or the import it names.`);
    case 'crashed':
      return error(
        'FLAVOR_FILE_UNLOADABLE',
        `cannot load the file: ${outcome.message}. A flavor file only declares data; remove what it runs at import.`,
      );
    case 'timeout':
      return error(
        'FLAVOR_FILE_TIMEOUT',
        `the file ran longer than ${fileTimeoutOf(options)} ms at import ` +
          `and was stopped; a flavor file only declares data (no loops, waits or I/O).`,
      );
    case 'side-effect':
      return error(
        'FLAVOR_FILE_SIDE_EFFECT',
        `the file tried a side effect at import, which was refused: ${firstLines(outcome.message)}. Flavor files ` +
          `are loaded without network, file writes, processes or packages; import only defineFlavor from lib/flavor.`,
      );
    case 'threw':
      return error('FLAVOR_FILE_UNLOADABLE', `cannot load the file: ${firstLines(outcome.message)}. Fix the syntax or the import it names.`);
    case 'flavor-error':
      return { problems: outcome.problems.map(at) };
    case 'value':
      break;
  }
  if (outcome.problems.length > 0) return { problems: outcome.problems.map(at) };
  if (!isFlavor(outcome.value)) {
    return error(
      'FLAVOR_FILE_NO_DEFAULT_EXPORT',
      "the file must `export default defineFlavor({...})` (import { defineFlavor } from '../lib/flavor').",
    );
  }
  // Checked again here, in this process: only what defineFlavor accepts here becomes a flavor, whatever the file exported.
  const exported = outcome.value as unknown as Record<string, unknown>;
  const spec = Object.fromEntries(FLAVOR_FIELDS.filter((k) => exported[k] !== undefined).map((k) => [k, exported[k]]));
  let flavor: Flavor;
  try {
    flavor = defineFlavor(spec as unknown as FlavorSpec);
  } catch (err) {
    if (err instanceof FlavorDefinitionError) return { problems: err.problems.map(at) };
    throw err;
  }
  const problems = flavor.warnings.map(at);
  const expected = path.basename(file, '.ts');
  if (flavor.name !== expected) {
    problems.push(
      at({
        code: 'FLAVOR_NAME_FILE_MISMATCH',
        path: 'name',
        severity: 'error',
        message: `name '${flavor.name}' must equal the file name '${expected}'; rename the file or the flavor.`,
      }),
    );
  }
  return { flavor, problems };
}

/**
 * Loads one flavor file and returns its flavor or the problems that stop it, never throwing for what
 * the file does: a file that does not compile, throws, hangs, tries a side effect at import, or does
 * not default-export a `defineFlavor(...)` becomes a problem with a stable code. The file runs in a
 * sandboxed child process (see sandbox-load.ts); what comes back is validated again here. `options`
 * sets the sandbox's limits (a limit out of range throws SANDBOX_LIMIT_INVALID).
 *
 * `reportAs` checks a candidate text saved under another name (e.g. an edit not yet written) as if it
 * were that file: problems name it, and the flavor name must match its file name.
 */
export function loadFlavorFile(file: string, reportAs: string = file, options: LoadOptions = {}): { flavor?: Flavor; problems: FileProblem[] } {
  return loadFiles([file], [reportAs], options)[0];
}

/**
 * Loads files in one sandbox run. `names` are what problems call each file (and what its flavor name
 * must match): the file itself, or for a candidate edit saved under a temporary name, the real one.
 */
function loadFiles(files: readonly string[], names: readonly string[], options: LoadOptions): { flavor?: Flavor; problems: FileProblem[] }[] {
  const results: ({ flavor?: Flavor; problems: FileProblem[] } | undefined)[] = files.map((file, i) =>
    fs.existsSync(path.resolve(file))
      ? undefined
      : {
          problems: [
            {
              file: names[i],
              code: 'FLAVOR_FILE_NOT_FOUND',
              path: '',
              severity: 'error' as const,
              message: 'file does not exist; pass a path to a flavor file such as flavors/global.ts.',
            },
          ],
        },
  );
  const toLoad = files.filter((_, i) => !results[i]);
  const absolute = toLoad.map((f) => path.resolve(f));
  const outcomes = loadInSandbox(absolute, options);
  let next = 0;
  return results.map((r, i) => r ?? interpret(names[i], outcomes[next++], options));
}

/** Loads the given flavor files and checks what spans files (unique names). */
export function loadFlavorFiles(files: readonly string[], options: LoadOptions = {}): LoadResult {
  const flavors: LoadedFlavor[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, string>();
  const loaded = loadFiles(files, files, options);
  for (const [i, file] of files.entries()) {
    const result = loaded[i];
    problems.push(...result.problems);
    if (!result.flavor) continue;
    const other = seen.get(result.flavor.name);
    if (other) {
      problems.push({
        file,
        code: 'FLAVOR_NAME_DUPLICATE',
        path: 'name',
        severity: 'error',
        message: `name '${result.flavor.name}' is already used by ${other}; flavor names must be unique.`,
      });
      continue;
    }
    seen.set(result.flavor.name, file);
    if (!result.problems.some((p) => p.severity === 'error')) flavors.push({ file, flavor: result.flavor });
  }
  return { flavors, problems };
}

/** Loads every flavor of a folder; throws one `FlavorDefinitionError` naming each file's problems if any has an error. */
export function loadFlavorsOrThrow(dir: string, options: LoadOptions = {}): Flavor[] {
  const { flavors, problems } = loadFlavorFiles(listFlavorFiles(dir), options);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new FlavorDefinitionError(errors.map((p) => ({ ...p, path: `${p.file}: ${p.path}`.replace(/: $/, '') })));
  }
  return flavors.map((f) => f.flavor);
}

/** `file: path: CODE: message` — the one format the CLI, CI and people read; warnings say so before the message. */
export function formatProblem(p: FileProblem): string {
  const level = p.severity === 'warning' ? 'warning: ' : '';
  return `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.code}: ${level}${p.message}`;
}
