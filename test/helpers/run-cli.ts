import { spawnSync } from 'child_process';
import * as path from 'path';

// bin/flavors.js (the process entry, which runs main) sits beside bin/flavors.ts: name the module itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCli } = require('../../bin/flavors.ts') as typeof import('../../bin/flavors');

export const ROOT = path.join(__dirname, '..', '..');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** @default the repository */
  readonly cwd?: string;
  /** Added to this process's environment (real process) or the whole environment (in process). */
  readonly env?: Record<string, string | undefined>;
  /** Real process only. @default 30000 */
  readonly timeoutMs?: number;
}

/**
 * Runs the real `flavors` binary (bin/flavors.js) as a user would, in `cwd` (default: the repo). About 0.5–1 s a
 * run: keep it for what only a process shows (exit status, stderr without a stack trace, no credentials); the rest
 * goes through {@link runFlavorsInProcess}.
 */
export function runFlavors(args: readonly string[], options: CliRunOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', ...options.env },
    encoding: 'utf-8',
    timeout: options.timeoutMs ?? 30000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same CLI in this process: bin/flavors.ts `runCli` (command dispatch, argument errors, `error CODE:` lines)
 * with streams that collect what the process would print, each line ending in a newline as on stdout/stderr.
 */
export async function runFlavorsInProcess(args: readonly string[], options: Omit<CliRunOptions, 'timeoutMs'> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
    cwd: options.cwd ?? ROOT,
    env: { AWS_EC2_METADATA_DISABLED: 'true', ...options.env },
  });
  return { status, stdout, stderr };
}
