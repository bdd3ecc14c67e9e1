import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import type * as Esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import { SANDBOX_LINE_PREFIX, type SandboxInput, type SandboxOutcome } from './sandbox-protocol';

/** Limits of loading flavor files; the lib/flavor README explains what they guarantee. */
export const SANDBOX_DEFAULTS = Object.freeze({
  /** Time one file may run at import (synchronous code, its getters and promise jobs). */
  fileTimeoutMs: 2000,
  /** The longest per-file limit a caller may set (10 minutes): a longer hang would pass for a stuck CI job. */
  maxFileTimeoutMs: 600_000,
  /** Extra time the child process gets beyond the per-file limits before it is killed (a last resort). */
  processGraceMs: 10000,
  /** Heap of the child process: a flavor is a few kilobytes. */
  maxOldSpaceMb: 256,
  /** Batches whose outcomes this process remembers (least recently used dropped first); 0 turns remembering off. */
  rememberedBatches: 64,
});

/** What a caller may set for one load; what it leaves out is the default. */
export interface SandboxOptions {
  /**
   * Time one file may run at import, in ms (a whole number from 1 to 600,000): raise it for a slow machine, lower it
   * where only "a file that hangs is stopped" matters.
   * @default SANDBOX_DEFAULTS.fileTimeoutMs (2000)
   */
  readonly fileTimeoutMs?: number;
}

/** The per-file limit of `options`; throws a `FlavorsError` (SANDBOX_LIMIT_INVALID) for a value the child could not apply. */
export function fileTimeoutOf(options: SandboxOptions = {}): number {
  const ms = options.fileTimeoutMs ?? SANDBOX_DEFAULTS.fileTimeoutMs;
  if (!Number.isInteger(ms) || ms < 1 || ms > SANDBOX_DEFAULTS.maxFileTimeoutMs) {
    throw new FlavorsError(
      'SANDBOX_LIMIT_INVALID',
      `fileTimeoutMs must be a whole number of ms from 1 to ${SANDBOX_DEFAULTS.maxFileTimeoutMs}, got ${ms}.`,
    );
  }
  return ms;
}

export type LoadOutcome =
  SandboxOutcome | { readonly kind: 'unbundlable'; readonly message: string } | { readonly kind: 'crashed'; readonly message: string };

const sourceOf = (name: string): string => [`${name}.ts`, `${name}.js`].map((f) => path.join(__dirname, f)).find((f) => fs.existsSync(f))!;

let runnerCode: string | undefined;
function runnerProgram(): string {
  runnerCode ??= esbuildModule().buildSync({
    entryPoints: [sourceOf('sandbox-runner')],
    bundle: true,
    platform: 'node',
    format: 'iife',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return runnerCode;
}

/**
 * One flavor file and what it imports, as one CommonJS program. Packages stay imports (and the
 * sandbox refuses them), except `flavors-cdk`, which is this library's flavor model.
 */
const BUNDLE_OPTIONS: Esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  write: false,
  logLevel: 'silent',
  packages: 'external',
  alias: { 'flavors-cdk': sourceOf('index') },
};

// Loaded on first use: `import 'flavors-cdk'` (which exports the loader) must not cost a team esbuild.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuildModule = (): typeof Esbuild => require('esbuild') as typeof Esbuild;

type BundleError = { text: string; location?: { file: string; line: number; column: number } | null };

const errorsOf = (err: unknown): BundleError[] => (err as { errors?: BundleError[] }).errors ?? [];

/**
 * Bundles every file in one esbuild run (fast). When that fails, the files its errors point into are bundled
 * alone (to name each one's own error) and the rest together again; only errors in no file of the batch
 * (e.g. in a shared helper) fall back to one run per file. A folder with one broken file costs three runs, not one per file.
 */
function bundleAll(files: readonly string[]): ({ code: string } | { error: string })[] {
  try {
    const result = esbuildModule().buildSync({
      ...BUNDLE_OPTIONS,
      entryPoints: files.map((file, i) => ({ in: file, out: `f${i}` })),
      outdir: '/flavor-bundles',
    });
    const byPath = new Map(result.outputFiles!.map((o) => [o.path, o.text]));
    return files.map((_, i) => ({ code: byPath.get(path.join('/flavor-bundles', `f${i}.js`))! }));
  } catch (err) {
    // esbuild names a file relative to its working folder, which is this process's.
    const named = new Set(errorsOf(err).flatMap((e) => (e.location ? [path.resolve(e.location.file)] : [])));
    const broken = files.filter((file) => named.has(path.resolve(file)));
    if (files.length === 1 || broken.length === 0) return files.map(bundle);
    const alone = new Map(broken.map((file) => [file, bundle(file)]));
    const rest = files.filter((file) => !alone.has(file));
    const together = rest.length > 0 ? bundleAll(rest) : [];
    return files.map((file) => alone.get(file) ?? together[rest.indexOf(file)]);
  }
}

function bundle(file: string): { code: string } | { error: string } {
  try {
    return { code: esbuildModule().buildSync({ ...BUNDLE_OPTIONS, entryPoints: [file] }).outputFiles![0].text };
  } catch (err) {
    const first = errorsOf(err)[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
    return { error: first ? `${where}${first.text}` : String((err as { message?: unknown })?.message ?? err) };
  }
}

const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/** Runs the files in one child process; returns what it reported, in order, and how it ended. */
function runChild(
  files: readonly { file: string; code: string }[],
  timeoutMs: number,
): {
  reported: Map<number, { outcome: SandboxOutcome; attempts: string[] }>;
  started: Set<number>;
  ending: string;
} {
  const input: SandboxInput = { timeoutMs, files };
  const result = spawnSync(
    process.execPath,
    [permissionFlag, '--disable-warning=ExperimentalWarning', `--max-old-space-size=${SANDBOX_DEFAULTS.maxOldSpaceMb}`, '-'],
    {
      input: `const FLAVOR_SANDBOX_INPUT = ${JSON.stringify(input)};\n${runnerProgram()}`,
      encoding: 'utf-8',
      env: {},
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      timeout: SANDBOX_DEFAULTS.processGraceMs + files.length * timeoutMs,
    },
  );
  const reported = new Map<number, { outcome: SandboxOutcome; attempts: string[] }>();
  const started = new Set<number>();
  for (const line of (result.stdout ?? '').split('\n')) {
    if (!line.startsWith(SANDBOX_LINE_PREFIX)) continue;
    const record = JSON.parse(line.slice(SANDBOX_LINE_PREFIX.length)) as {
      index: number;
      started?: true;
      outcome?: SandboxOutcome;
      attempts?: string[];
    };
    if (record.started) started.add(record.index);
    // The first report of a file counts: a file that escapes the sandbox cannot overwrite an earlier one.
    else if (record.outcome && !reported.has(record.index)) reported.set(record.index, { outcome: record.outcome, attempts: record.attempts ?? [] });
  }
  const timedOut = (result.error as { code?: string } | undefined)?.code === 'ETIMEDOUT';
  const ending = timedOut ? 'timeout' : result.signal ? `was killed (${result.signal})` : `exited with code ${result.status}`;
  return { reported, started, ending };
}

/**
 * What finished child runs came to, by a hash of everything the child was given: the runner program,
 * the limits, this Node binary, the working folder, and each file's path and bundled code (which holds every file it
 * imports). Kept as the JSON text the outcomes came back as, so each caller parses its own copy and
 * none can change what the next one gets. The README ("Loading the same files twice") says why this is sound.
 */
const remembered = new Map<string, string>();

function batchKey(files: readonly { file: string; code: string }[], timeoutMs: number): string {
  return createHash('sha256')
    .update(JSON.stringify([process.execPath, process.version, process.cwd(), permissionFlag, SANDBOX_DEFAULTS, timeoutMs, runnerProgram()]))
    .update(JSON.stringify(files.map(({ file, code }) => [file, code])))
    .digest('hex');
}

function recall(key: string): LoadOutcome[] | undefined {
  const text = remembered.get(key);
  if (text === undefined) return undefined;
  remembered.delete(key);
  remembered.set(key, text);
  return JSON.parse(text) as LoadOutcome[];
}

/** Remembers a batch only when every file finished in its child: a timeout or a crash may go otherwise on a calmer machine. */
function remember(key: string, outcomes: readonly LoadOutcome[]): void {
  if (SANDBOX_DEFAULTS.rememberedBatches <= 0 || outcomes.some((o) => o.kind === 'timeout' || o.kind === 'crashed')) return;
  remembered.set(key, JSON.stringify(outcomes));
  while (remembered.size > SANDBOX_DEFAULTS.rememberedBatches) remembered.delete(remembered.keys().next().value!);
}

/**
 * Loads flavor files away from the calling process: each file is bundled (esbuild) and run in a
 * child Node process under the permission model (no file writes, no child processes, no workers,
 * no native addons), with the network closed, an empty environment, a heap limit, and a time limit
 * per file; each file runs in its own realm, so one cannot alter what another sees. Only plain data
 * comes back. A file that hangs, crashes the child or ends it is reported, and the files after it
 * run in a new child. Files that this process already loaded with the same code (and everything
 * else the child would get) come back from memory, as fresh copies, without a child. Throws only for
 * an option out of range (SANDBOX_LIMIT_INVALID), never for what a file does.
 */
export function loadInSandbox(files: readonly string[], options: SandboxOptions = {}): LoadOutcome[] {
  const timeoutMs = fileTimeoutOf(options);
  const outcomes = new Array<LoadOutcome>(files.length);
  let pending: { index: number; file: string; code: string }[] = [];
  const bundles = files.length > 0 ? bundleAll(files) : [];
  files.forEach((file, index) => {
    const bundled = bundles[index];
    if ('error' in bundled) outcomes[index] = { kind: 'unbundlable', message: bundled.error };
    else pending.push({ index, file, code: bundled.code });
  });
  if (pending.length === 0) return outcomes;
  const batch = pending;
  const key = batchKey(batch, timeoutMs);
  const known = recall(key);
  if (known) {
    batch.forEach((entry, i) => {
      outcomes[entry.index] = known[i];
    });
    return outcomes;
  }
  while (pending.length > 0) {
    const toRun = pending.map(({ file, code }) => ({ file, code }));
    const { reported, started, ending } = runChild(toRun, timeoutMs);
    let next = pending.length;
    pending.forEach((entry, i) => {
      const report = reported.get(i);
      if (report) {
        const { outcome, attempts } = report;
        // A refused attempt is the fact that matters, even when the file caught the refusal and went on (or then hung).
        outcomes[entry.index] =
          attempts.length > 0 && outcome.kind !== 'side-effect' ? { kind: 'side-effect', message: `${attempts.join(', ')} was refused` } : outcome;
      } else if (i < next) {
        next = i;
        outcomes[entry.index] =
          ending === 'timeout' && started.has(i)
            ? { kind: 'timeout' }
            : { kind: 'crashed', message: `the loading process ${ending} while running this file` };
      }
    });
    pending = pending.slice(next + 1);
  }
  remember(
    key,
    batch.map((entry) => outcomes[entry.index]),
  );
  return outcomes;
}
