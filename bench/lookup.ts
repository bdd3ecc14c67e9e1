// `npm run bench:lookup`: latency and throughput of the lookup service on 127.0.0.1, next to the bare
// embedded store it reads (GetItem through the SDK) measured in the same run, so the ratio stays
// meaningful on a shared machine whose absolute speed swings. Prints JSON lines.
//
//   npm run bench:lookup [-- --requests 10000 --rounds 3]
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
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } } });
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(requests) && requests >= 100 && Number.isInteger(rounds) && rounds >= 1)) {
    throw new Error('--requests must be an integer ≥ 100 and --rounds an integer ≥ 1');
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-bench-lookup-'));
  let server: { child: ChildProcess } | undefined;
  let storeClient: ReturnType<typeof createLookupDynamoClient> | undefined;
  const agents: http.Agent[] = [];
  try {
    const started = await startServer(stateDir);
    server = started;
    const { ready } = started;
    const routeUrl = `${ready.url}/v1/spaces/${ready.sample.spaceId}/route`;
    const client = createLookupDynamoClient({ endpoint: ready.storeUrl, maxSockets: 64 });
    storeClient = client;
    const key = keyItem(spaceKey(ready.sample.spaceId));
    const getItem = () => client.send(new GetItemCommand({ TableName: ready.tableName, Key: key, ConsistentRead: true })).then((o) => o.Item !== undefined, () => false);
    const service = httpGetter(routeUrl, ready.sampleToken, 64);
    agents.push(service.agent);

    // Warm both paths (JIT, sockets, the service's key caches) before measuring.
    for (let i = 0; i < 500; i++) { await getItem(); await service.get(); }

    // Ratios are taken within a round (service and store measured back to back under the same
    // machine load); with several rounds the summary reports the median round.
    const rows: { s1: Result; v1: Result; s32: Result; v32: Result }[] = [];
    for (let round = 0; round < rounds; round++) {
      const results = new Map<string, Result>();
      for (const concurrency of [1, 32]) {
        const n = concurrency === 1 ? Math.max(500, Math.floor(requests / 5)) : requests;
        for (const [target, one] of [['store', getItem], ['service', service.get]] as const) {
          const result = await measure(target, concurrency, n, one);
          console.log(JSON.stringify({ bench: 'lookup', round, ...result }));
          results.set(`${target}@${concurrency}`, result);
        }
      }
      rows.push({ s1: results.get('store@1')!, v1: results.get('service@1')!, s32: results.get('store@32')!, v32: results.get('service@32')! });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const r2 = (v: number) => Math.round(v * 100) / 100;
    const throughputRatio = r2(median(rows.map((r) => r.v32.rps / r.s32.rps)));
    const p99Ratio = r2(median(rows.map((r) => r.v1.p99_ms / r.s1.p99_ms)));
    const pick = (f: (r: (typeof rows)[number]) => number) => median(rows.map(f));
    const summary = {
      service_p50_ms_c1: pick((r) => r.v1.p50_ms), service_p99_ms_c1: pick((r) => r.v1.p99_ms), service_rps_c32: pick((r) => r.v32.rps),
      store_p50_ms_c1: pick((r) => r.s1.p50_ms), store_p99_ms_c1: pick((r) => r.s1.p99_ms), store_rps_c32: pick((r) => r.s32.rps),
    };
    console.log(JSON.stringify({
      bench: 'lookup', summary: true, rounds, cpus: os.cpus().length, load1: r2(os.loadavg()[0]), ...summary,
      throughput_ratio_c32: throughputRatio, p99_ratio_c1: p99Ratio,
      aim_throughput_ratio_ge_0_5: throughputRatio >= 0.5, aim_p99_within_2x_store: p99Ratio <= 2,
      target_p99_le_5ms_c1: summary.service_p99_ms_c1 <= 5, target_rps_ge_1500_c32: summary.service_rps_c32 >= 1500,
      errors: rows.reduce((sum, r) => sum + r.s1.errors + r.v1.errors + r.s32.errors + r.v32.errors, 0),
    }));
  } finally {
    for (const agent of agents) agent.destroy();
    storeClient?.destroy();
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
