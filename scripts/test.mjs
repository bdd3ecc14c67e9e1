// `npm test`: the static checks (scripts/check.mjs: type check, ESLint, Prettier) and jest at the same time.
//
// Run one after the other they took ~40 s before jest started on a cold cache (after `npm ci`); side by side, with
// ESLint reusing the type check's program, a cold run on the quiet 2-core machine went from 101–110 s to 88 s
// (CPU 159–171 s → 150 s; warm ~66 s either way; README "Tests" has all the figures). jest's output
// streams as usual; the static checks' output is held back and printed as one block when jest is done, then one
// line with both verdicts. Exits non-zero if either fails (jest's own code when jest fails, else 1).
//
// `npm test -- <jest arguments>` (a file, `-t name`, `--watch`) runs jest alone, as the developer narrowing the run
// to a few tests expects: type and lint errors elsewhere in a half-edited tree would otherwise fail it. The static
// checks alone: `npm run check`.
//
// Ctrl-C (or SIGTERM to npm) stops everything: each child runs in its own process group (jest's workers and their
// PostgreSQL servers included), which gets SIGINT, then SIGKILL after a grace period.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const CHECK = path.join(ROOT, 'scripts/check.mjs');
const GRACE_MS = 5000;

const jestArgs = process.argv.slice(2);
const color = Boolean(process.stdout.isTTY);
const started = performance.now();
const children = [];

function run(args, { capture = false, group = true } = {}) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // Our output is a terminal but a captured child's is a pipe: let it color what we print later.
    env: capture && color ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: group,
  });
  children.push({ child, group });
  let output = '';
  if (capture) {
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
  }
  const done = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n`, seconds: elapsed() }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 + os.constants.signals[signal] : 1), output, seconds: elapsed() }));
  });
  return { child, done };
}

function elapsed() {
  return ((performance.now() - started) / 1000).toFixed(1);
}

function stopAll(signal) {
  for (const { child, group } of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      // A negative pid signals the child's whole process group.
      process.kill(group ? -child.pid : child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

let interrupted = false;
function interrupt() {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write('\nnpm test: interrupted, stopping\n');
  stopAll('SIGINT');
  setTimeout(() => stopAll('SIGKILL'), GRACE_MS).unref();
}
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

async function jestOnly() {
  process.stderr.write(`npm test -- ${jestArgs.join(' ')}: jest only (static checks: npm run check)\n`);
  // In our process group, so that a terminal's Ctrl-C and `--watch` reach jest as they do without this script.
  const jest = run([JEST, ...jestArgs], { group: false });
  return (await jest.done).code;
}

async function everything() {
  const check = run([CHECK], { capture: true });
  const jest = run([JEST]);
  const [jestResult, checkResult] = await Promise.all([jest.done, check.done]);
  if (interrupted) return 130;
  process.stdout.write(`\n── static checks (${checkResult.seconds} s) ──\n${checkResult.output.trimEnd()}\n`);
  const verdict = (code) => (code === 0 ? 'ok' : `FAILED (exit ${code})`);
  process.stdout.write(`\nnpm test: static checks ${verdict(checkResult.code)} · jest ${verdict(jestResult.code)} · ${elapsed()} s\n`);
  if (jestResult.code !== 0) return jestResult.code;
  return checkResult.code === 0 ? 0 : 1;
}

process.exitCode = jestArgs.length > 0 ? await jestOnly() : await everything();
if (interrupted) process.exitCode = 130;
