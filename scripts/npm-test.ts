// `npm test`: the type check, ESLint, Prettier and jest, run at the same time. On two cores jest waits
// on PostgreSQL start-up and child processes; the static steps fill those waits at a lower priority, so
// they do not slow jest's timing-sensitive tests. Each step's output is printed in one piece when it
// ends, and the exit code is 1 when any step fails.
//
//   npm test                      all four steps
//   npm test -- test/bin          jest arguments go to jest only (the static steps always run)
//   npx tsx scripts/npm-test.ts --serial   one step after another (for comparing timings)
//
// Caches live in node_modules/.cache/ (tsc's .tsbuildinfo, ESLint's and Prettier's caches), so a second
// run re-checks only what changed; `npm ci` starts them afresh.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Lower CPU priority (nice), so the step uses the cores jest leaves idle. */
  readonly background: boolean;
}

interface Outcome {
  readonly step: Step;
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache');
const TSBUILDINFO = path.join(CACHE, 'tsc', 'tsconfig.tsbuildinfo');

function steps(jestArgs: readonly string[]): Step[] {
  return [
    { name: 'jest', command: 'jest', args: jestArgs, background: false },
    { name: 'tsc', command: 'tsc', args: ['--build', '--noEmit'], background: true },
    {
      name: 'eslint',
      command: 'eslint',
      args: ['--cache', '--cache-location', 'node_modules/.cache/eslint/', '--cache-strategy', 'content', '.'],
      background: true,
    },
    { name: 'prettier', command: 'prettier', args: ['--check', '--cache', '--log-level', 'warn', '.'], background: true },
  ];
}

/**
 * `tsc --build` trusts its .tsbuildinfo when no source file is newer, even if `npm install` changed the
 * types of a dependency: drop the .tsbuildinfo when the installed tree is newer than it.
 */
function dropStaleTsBuildInfo(): void {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (fs.existsSync(TSBUILDINFO) && fs.existsSync(installed) && fs.statSync(installed).mtimeMs > fs.statSync(TSBUILDINFO).mtimeMs) {
    fs.rmSync(TSBUILDINFO);
  }
}

function run(step: Step): Promise<Outcome> {
  const started = Date.now();
  const bin = path.join(ROOT, 'node_modules', '.bin', step.command);
  // Colors as in a terminal, since the output is buffered through a pipe.
  const env = process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env;
  const child = spawn(bin, [...step.args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (step.background && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, 10);
    } catch {
      // Not permitted on some systems: the step then runs at normal priority, which is only slower.
    }
  }
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    const done = (code: number, extra = ''): void =>
      resolve({ step, code, output: Buffer.concat(chunks).toString() + extra, seconds: (Date.now() - started) / 1000 });
    child.on('error', (err) => done(1, `${err.message}\n`));
    child.on('close', (code, signal) => done(code ?? 1, signal ? `killed by ${signal}\n` : ''));
  });
}

function report(outcome: Outcome): void {
  const status = outcome.code === 0 ? 'ok' : `FAILED (exit ${outcome.code})`;
  const output = outcome.output.trimEnd();
  process.stdout.write(`\n── ${outcome.step.name}: ${status} in ${outcome.seconds.toFixed(1)} s\n${output ? `${output}\n` : ''}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const serial = argv.includes('--serial');
  const all = steps(argv.filter((a) => a !== '--serial'));
  dropStaleTsBuildInfo();
  const started = Date.now();
  const outcomes: Outcome[] = [];
  if (serial) {
    for (const step of [...all.slice(1), all[0]]) {
      const outcome = await run({ ...step, background: false });
      report(outcome);
      outcomes.push(outcome);
    }
  } else {
    await Promise.all(
      all.map(async (step) => {
        const outcome = await run(step);
        report(outcome);
        outcomes.push(outcome);
      }),
    );
  }
  const failed = outcomes.filter((o) => o.code !== 0).map((o) => o.step.name);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n${failed.length === 0 ? 'npm test: all steps passed' : `npm test: FAILED: ${failed.join(', ')}`} in ${seconds} s\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

void main();
