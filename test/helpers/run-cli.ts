import { spawnSync } from 'child_process';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `flavors` binary (bin/flavors.js) as a user would, in `cwd` (default: the repo). */
export function runFlavors(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', ...options.env },
    encoding: 'utf-8',
    timeout: options.timeoutMs ?? 30000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
