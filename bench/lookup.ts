// `npm run bench:lookup`: latency and throughput of the lookup service on 127.0.0.1, next to the bare
// embedded store it reads (GetItem through the SDK) measured in the same run, so the ratio stays
// meaningful on a shared machine whose absolute speed swings. Prints JSON lines.
//
//   npm run bench:lookup [-- --requests 10000 --rounds 1]
//
// The service runs in its own process (`flavors lookup serve --port 0 --store-port 0 --json`), as it
// would on a machine of its own; this process only generates load.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLookupDynamoClient } from '../lib/lookup/runtime/dynamo-client';
import { keyItem } from '../lib/lookup/runtime/records';
import { spaceKey } from '../lib/lookup/runtime/schema-keys';

interface Ready {
  readonly url: string;
  readonly storeUrl: string;
  readonly tableName: string;
  readonly sampleToken: string;
  /** The seeded grant the sample token is for. */
  readonly sample: { readonly userId: string; readonly spaceId: string };
}

interface Result {
  readonly target: 'store' | 'service';
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly rps: number;
}

const ROOT = path.resolve(__dirname, '..');
// Offline: never look for instance credentials; no SDK banner in the JSON output.
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function startServer(stateDir: string): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'flavors.js'), 'lookup', 'serve', '--port', '0', '--store-port', '0', '--json', '--state-dir', stateDir], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lookup serve did not start within 60 s: ${stderr}`)), 60_000);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve({ child, ready: JSON.parse(line) as Ready });
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`lookup serve exited with ${code}: ${stderr}`)); });
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `requests` calls of `one` with `concurrency` in flight; latencies in ms. */
async function measure(target: Result['target'], concurrency: number, requests: number, one: () => Promise<boolean>): Promise<Result> {
  const latencies = new Float64Array(requests);
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      if (!(await one())) errors++;
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort();
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { target, concurrency, requests, errors, p50_ms: round(percentile(latencies, 50)), p99_ms: round(percentile(latencies, 99)), rps: Math.round(requests / seconds) };
}

function httpGetter(url: string, token: string, maxSockets: number): { get: () => Promise<boolean>; agent: http.Agent } {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const get = () => new Promise<boolean>((resolve) => {
    const req = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
  });
  return { get, agent };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '1' } } });
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-bench-lookup-'));
  let server: { child: ChildProcess } | undefined;
  const store = { client: undefined as ReturnType<typeof createLookupDynamoClient> | undefined };
  const agents: http.Agent[] = [];
  try {
    const started = await startServer(stateDir);
    server = started;
    const { ready } = started;
    const routeUrl = `${ready.url}/v1/spaces/${ready.sample.spaceId}/route`;
    store.client = createLookupDynamoClient({ endpoint: ready.storeUrl, maxSockets: 64 });
    const key = keyItem(spaceKey(ready.sample.spaceId));
    const getItem = () => store.client!.send(new GetItemCommand({ TableName: ready.tableName, Key: key, ConsistentRead: true })).then((o) => o.Item !== undefined, () => false);
    const service = httpGetter(routeUrl, ready.sampleToken, 64);
    agents.push(service.agent);

    // Warm both paths (JIT, sockets, the service's key caches) before measuring.
    for (let i = 0; i < 500; i++) { await getItem(); await service.get(); }

    const best = new Map<string, Result>();
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of [1, 32]) {
        const n = concurrency === 1 ? Math.max(500, Math.floor(requests / 5)) : requests;
        for (const [target, one] of [['store', getItem], ['service', service.get]] as const) {
          const result = await measure(target, concurrency, n, one);
          console.log(JSON.stringify({ bench: 'lookup', round, ...result }));
          const id = `${target}@${concurrency}`;
          const prev = best.get(id);
          if (!prev || result.rps > prev.rps) best.set(id, result);
        }
      }
    }
    const s1 = best.get('store@1')!, v1 = best.get('service@1')!, s32 = best.get('store@32')!, v32 = best.get('service@32')!;
    const throughputRatio = Math.round((v32.rps / s32.rps) * 100) / 100;
    const p99Ratio = Math.round((v1.p99_ms / s1.p99_ms) * 100) / 100;
    console.log(JSON.stringify({
      bench: 'lookup', summary: true, cpus: os.cpus().length, load1: Math.round(os.loadavg()[0] * 100) / 100,
      service_p99_ms_c1: v1.p99_ms, service_p50_ms_c1: v1.p50_ms, service_rps_c32: v32.rps,
      store_p99_ms_c1: s1.p99_ms, store_rps_c32: s32.rps,
      throughput_ratio_c32: throughputRatio, p99_ratio_c1: p99Ratio,
      aim_throughput_ratio_ge_0_5: throughputRatio >= 0.5, aim_p99_within_2x_store: p99Ratio <= 2,
      target_p99_le_5ms_c1: v1.p99_ms <= 5, target_rps_ge_1500_c32: v32.rps >= 1500,
      errors: [s1, v1, s32, v32].reduce((sum, r) => sum + r.errors, 0),
    }));
  } finally {
    for (const agent of agents) agent.destroy();
    store.client?.destroy();
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGINT');
      await exited;
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(JSON.stringify({ bench: 'lookup', error: err instanceof Error ? err.message : String(err) }));
  process.exitCode = 1;
});
