import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runFlavorsInProcess, ROOT } from '../helpers/run-cli';
import { makeLookupCommand } from '../../bin/commands/lookup';
import { bufferIo } from '../lib/ops/cli-helpers';
import { tempDir } from '../lib/lookup/runtime/lookup-fixtures';

/** Starts `flavors lookup serve` as a user would and waits until it printed `until` (or exited). */
function serve(args: string[]): {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  ready: (until: RegExp) => Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), 'lookup', 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = (until: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${until} within 45 s: ${stdout}${stderr}`)), 45_000);
      const check = () => {
        if (until.test(stdout)) {
          clearTimeout(timer);
          resolve(stdout);
        }
      };
      child.stdout.on('data', check);
      void exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`lookup serve exited: ${stdout}${stderr}`));
      });
      check();
    });
  return { child, output: () => ({ stdout, stderr }), ready, exit };
}

async function stop(server: ReturnType<typeof serve> | undefined): Promise<number | null | undefined> {
  if (!server) return undefined;
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT');
  return server.exit;
}

describe('flavors lookup serve', () => {
  const stateDir = tempDir('serve');
  let server: ReturnType<typeof serve> | undefined;
  afterEach(async () => {
    await stop(server);
    server = undefined;
  });
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  test('prints the URLs and a sample curl that works, serves the admin CLI, and stops cleanly on Ctrl-C', async () => {
    server = serve(['--port', '0', '--store-port', '0', '--state-dir', stateDir]);
    const out = await server.ready(/Ctrl-C stops the server\./);
    const url = /^lookup service\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)![1];
    const store = /^store\s+(http:\/\/127\.0\.0\.1:\d+) /m.exec(out)![1];
    expect(out).toContain(`  route          GET ${url}/v1/spaces/{spaceId}/route`);
    expect(out).toMatch(/seeded\s+3 clients, 5 spaces, 5 grants:/);

    // The sample curl's token and URL give a route.
    const [, token, routeUrl] = /curl -s -H "Authorization: Bearer ([^"]+)" (\S+)/.exec(out)!;
    const res = await fetch(routeUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ flavor: 'global', homeRegion: 'us-east-1', fallbacks: ['eu-west-1', 'ap-southeast-1'] });

    // The admin CLI (run in this process) writes to the running server's store, and a dev-token of the same state folder is accepted.
    expect((await runFlavorsInProcess(['client', 'create', 'c-serve', '--flavor', 'us-australia', '--store', store])).status).toBe(0);
    expect((await runFlavorsInProcess(['space', 'create', 's-serve-1', '--client', 'c-serve', '--store', store])).status).toBe(0);
    expect((await runFlavorsInProcess(['grant', 'u-serve', 's-serve-1', '--store', store])).status).toBe(0);
    const devToken = (await runFlavorsInProcess(['dev-token', 'u-serve', '--state-dir', stateDir])).stdout.trim();
    const routed = await fetch(`${url}/v1/spaces/s-serve-1/route`, { headers: { authorization: `Bearer ${devToken}` } });
    expect(await routed.json()).toMatchObject({ flavor: 'us-australia', homeRegion: 'us-east-1', fallbacks: ['ap-southeast-2'] });

    // Ctrl-C stops the service and its store.
    expect(await stop(server)).toBe(0);
    expect(server.output().stderr).toContain('SIGINT: stopping the lookup service and its store');
    await expect(fetch(`${url}/.well-known/jwks.json`)).rejects.toThrow();
    expect((await runFlavorsInProcess(['space', 'show', 's-serve-1', '--store', store])).stderr).toMatch(/^error LOOKUP_STORE_UNREACHABLE/);
  });

  test('--json prints one machine-readable line', async () => {
    // In this process (the test above runs the real binary), stopped by the signal the command waits for
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const { io, out, err } = bufferIo();
    let ready: (line: string) => void = () => undefined;
    const firstLine = new Promise<string>((resolve) => (ready = resolve));
    const command = makeLookupCommand({ untilStopped: () => stopped });
    const done = command(['serve', '--port', '0', '--store-port', '0', '--state-dir', stateDir, '--json'], {
      ...io,
      out: (line) => {
        io.out(line);
        ready(line);
      },
    });
    const line = await Promise.race([firstLine, done.then((code) => `exited with ${code}: ${err.join('\n')}`)]);
    expect(JSON.parse(line)).toMatchObject({
      event: 'ready',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      storeUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      tableName: 'flavors-lookup',
      sampleToken: expect.any(String),
    });
    stop('SIGTERM');
    await expect(done).resolves.toBe(0);
    expect(out).toHaveLength(1);
    expect(err).toEqual(['SIGTERM: stopping the lookup service and its store']);
  });

  test.each([
    [['serve', '--port', '99999'], 'error CLI_BAD_ARGUMENTS: --port must be a port number from 0 (any free port) to 65535, not "99999".'],
    [['start'], /^error CLI_BAD_ARGUMENTS: unknown lookup action "start"; expected: flavors lookup serve/],
  ])('refuses %j with exit 1', async (args, message) => {
    // In this process: the first test runs the real binary (its exit status and stderr on Ctrl-C)
    const result = await runFlavorsInProcess(['lookup', ...args]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    if (typeof message === 'string') expect(result.stderr.trim()).toBe(message);
    else expect(result.stderr).toMatch(message);
  });
});
