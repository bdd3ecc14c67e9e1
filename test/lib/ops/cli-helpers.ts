import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../../bin/cli-io';
import { ROOT } from '../../helpers/run-cli';

/** An in-process CLI io that records what a command prints. */
export function bufferIo(cwd = ROOT): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), cwd, env: {} }, out, err };
}

/**
 * Runs the real CLI with no AWS credentials anywhere: no AWS_* variables, HOME an empty folder
 * (no ~/.aws), instance metadata disabled.
 */
export function runWithoutCredentials(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-nocreds-'));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      USERPROFILE: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), ...args], { cwd: ROOT, env, encoding: 'utf-8', timeout: 60000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
