// The static checks of `npm test` (README "Tests"), in one process: `npm run check`.
//
//   type check  what `tsc --build --noEmit` does (`npm run typecheck`): same tsconfig.json, same incremental
//               build info, diagnostics printed the way tsc prints them (file:line:col, code frame), plus
//   lint        what `eslint --cache .` does (`npm run lint`): same config, same cache, same findings, but
//               typescript-eslint gets the type check's ts.Program (`parserOptions.programs`) instead of
//               building a second one from `parserOptions.project`: that second program (parse ~6,000 files,
//               mostly aws-cdk-lib and SDK declarations, then type every linted file again) was two thirds
//               of ESLint's CPU,
//   format      `prettier --check --cache .` in a child process, concurrently (it needs no program).
//
// Exits 1 when any part fails; prints one line per part, then the output of the parts that failed.
// Written as plain ESM (no tsx) because its start-up counts in every `npm test`.
//
// Caveats of `programs` (typescript-eslint 8, useProvidedPrograms.js): a linted file must be in the program
// (it is: tsconfig.json includes every folder ESLint lints, and `npx eslint .` needs the same); the AST comes
// from the program while ESLint reads the text again, so a file edited during the run may report odd
// positions (run again); `eslint --fix` needs fresh programs after each fix pass, so fixing stays
// `npx eslint --fix`. The program parses JSDoc only where types need it (tsc's own mode): no enabled rule
// reads JSDoc; a rule that does (e.g. no-deprecated) would need ts.JSDocParsingMode.ParseAll here.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

// Loaded in the worker only (below): the main thread just starts Prettier and waits.
let ts;
let ESLint;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSCONFIG = path.join(ROOT, 'tsconfig.json');
// The same cache as `npm run lint`: the findings are the same, so either command reuses the other's work.
const ESLINT_CACHE = { cache: true, cacheLocation: path.join(ROOT, '.cache/eslint/'), cacheStrategy: 'content' };
const PRETTIER_CACHE = path.join(ROOT, '.cache/prettier');
// FORCE_COLOR is set by scripts/test.mjs when its own output is a terminal (our output is a pipe then).
const COLOR = process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== '0' : Boolean(process.stdout.isTTY);

function seconds(since) {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function plain(text) {
  return COLOR ? text : stripVTControlCharacters(text);
}

/**
 * `tsc --build --noEmit` through TypeScript's own solution builder, so up-to-date checks and the build info in
 * .cache/tsc/ behave as with `npm run typecheck`. Returns the program when the builder made one
 * (nothing changed since the last clean build: none).
 */
function typecheck() {
  const started = performance.now();
  let output = '';
  const system = { ...ts.sys, write: (text) => (output += text), writeOutputIsTTY: () => true };
  let program;
  const createProgram = (...args) => {
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(...args);
    program = builder.getProgram();
    return builder;
  };
  let errors = 0;
  const report = ts.createDiagnosticReporter(system, /* pretty */ true);
  const host = ts.createSolutionBuilderHost(
    system,
    createProgram,
    (diagnostic) => {
      if (diagnostic.category === ts.DiagnosticCategory.Error) errors += 1;
      report(diagnostic);
    },
    undefined,
    (count, filesInError) => system.write(ts.getErrorSummaryText(count, filesInError, system.newLine, system)),
  );
  // What tsc itself uses (executeCommandLine): JSDoc parsed only where it carries types.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const status = ts.createSolutionBuilder(host, [TSCONFIG], { noEmit: true }).build();
  const ok = status === ts.ExitStatus.Success && errors === 0;
  return { name: 'type check', ok, summary: ok ? seconds(started) : `${errors} error(s), ${seconds(started)}`, output, program };
}

/**
 * The program ESLint asks for only when a file misses its cache. When the type check found everything up to date
 * it made no program; one is built here from the same tsconfig.json, and only if ESLint needs it.
 */
class ProgramOnDemand extends Array {
  static get [Symbol.species]() {
    return Array;
  }

  constructor(existing) {
    super();
    // typescript-eslint rejects an empty `programs`; iteration below yields the real program.
    this.push(existing ?? null);
  }

  *[Symbol.iterator]() {
    if (!this[0]) {
      const config = ts.getParsedCommandLineOfConfigFile(TSCONFIG, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} });
      const host = ts.createCompilerHost(config.options);
      host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
      this[0] = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
    }
    yield this[0];
  }

  // ESLint hashes the resolved config for its cache key; a program has no stable form, and leaving it out keeps
  // the key equal to `npm run lint`'s (same findings, so one cache serves both).
  toJSON() {
    return undefined;
  }
}

async function lint(program) {
  const started = performance.now();
  const programs = new ProgramOnDemand(program);
  const eslint = new ESLint({ cwd: ROOT, ...ESLINT_CACHE, overrideConfig: { languageOptions: { parserOptions: { programs } } } });
  const results = await eslint.lintFiles(['.']);
  const errors = results.reduce((sum, r) => sum + r.errorCount + r.fatalErrorCount, 0);
  const warnings = results.reduce((sum, r) => sum + r.warningCount, 0);
  const output = await (await eslint.loadFormatter('stylish')).format(results);
  const summary = `${results.length} files, ${errors} error(s), ${warnings} warning(s), ${seconds(started)}`;
  return { name: 'lint', ok: errors === 0, summary, output };
}

function formatCheck() {
  const started = performance.now();
  const prettier = path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs');
  const child = spawn(process.execPath, [prettier, '--check', '--cache', '--cache-location', PRETTIER_CACHE, '--log-level', 'warn', '.'], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: COLOR ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ name: 'format', ok: false, summary: error.message, output }));
    child.on('close', (code) => resolve({ name: 'format', ok: code === 0, summary: seconds(started), output }));
  });
}

/** The type check, then the lint with its program: in a worker thread, so that the main thread's event loop reads
 * Prettier's output (a full pipe would stall it) while TypeScript works synchronously. */
function typecheckAndLint() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url));
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/**
 * The caches live in .cache/ and survive `npm ci`. `tsc --build` decides "up to date" from our sources alone, so
 * after other package versions are installed its build info would skip a check the new types might fail: the
 * build info is dropped when package-lock.json changed since it was written. (ESLint's key carries the lock's hash
 * through eslint.config.mjs; Prettier's depends on nothing installed but Prettier, which it keys itself.)
 */
function forgetTypeCheckOfOtherDependencies() {
  const lockHash = createHash('sha1')
    .update(fs.readFileSync(path.join(ROOT, 'package-lock.json')))
    .digest('hex');
  const stamp = path.join(ROOT, '.cache/tsc/package-lock.sha1');
  let seen;
  try {
    seen = fs.readFileSync(stamp, 'utf-8');
  } catch {
    seen = undefined;
  }
  if (seen === lockHash) return;
  fs.rmSync(path.dirname(stamp), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, lockHash);
}

async function main() {
  forgetTypeCheckOfOtherDependencies();
  // Prettier first: its process runs on the other core while the worker type-checks and lints.
  const [format, [typed, linted]] = await Promise.all([formatCheck(), typecheckAndLint()]);
  const parts = [typed, linted, format];
  const mark = (ok) => (ok ? 'ok' : 'FAILED');
  process.stdout.write(parts.map((p) => `${p.name}: ${mark(p.ok)} (${p.summary})`).join(' · ') + '\n');
  for (const part of parts.filter((p) => !p.ok)) process.stdout.write(`\n── ${part.name} ──\n${plain(part.output).trimEnd()}\n`);
  process.exitCode = parts.every((p) => p.ok) ? 0 : 1;
}

if (isMainThread) {
  await main().catch((error) => {
    process.stdout.write(`static checks could not run: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
} else {
  ts = (await import('typescript')).default;
  ({ ESLint } = await import('eslint'));
  const { program, ...typed } = typecheck();
  parentPort.postMessage([typed, await lint(program)]);
}
