// `npm run bench:lookup`: latency and throughput of the lookup service on 127.0.0.1, next to the bare
// embedded store it reads, measured in the same run, so the ratios stay meaningful on a shared
// machine whose absolute speed swings. Prints JSON lines, the last one a summary.
//
//   npm run bench:lookup [-- --requests 5000 --rounds 3 --storm 1000]
//
// Targets, each measured at concurrency 1 and 32 in every round, back to back:
//   store        bare GetItem of the space item through the SDK (the baseline the aims refer to)
//   store-batch  bare BatchGetItem of the space and grant items: the one read a route makes
//   service      `flavors lookup serve` (dev server, own process), local signing root
//   lambda       the real Lambda handler (`createLambdaHandler`) in its own process behind an
//                HTTP front playing API Gateway/Lambda (bench/lookup-lambda-host.ts), with a KMS
//                stand-in adding 10 ms per call and allowing 300 calls/s (ThrottlingException beyond)
// Aims: p99 at concurrency 1 at most the store's p99 + 1.5 ms; throughput at 32 at least 0.85× the
// store's. Then a cold-start storm: `--storm` environments certify their keys at once against the
// 300/s KMS stand-in.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { BatchGetItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLookupDynamoClient } from '../lib/lookup/runtime/dynamo-client';
import { keyItem } from '../lib/lookup/runtime/records';
import { grantKey, spaceKey } from '../lib/lookup/runtime/schema-keys';
import { kmsColdStartStorm } from './lookup-kms-storm';

const ROOT = path.resolve(__dirname, '..');
const KMS = { latencyMs: 10, ratePerSecond: 300 };
const TARGETS = ['store', 'store-batch', 'service', 'lambda'] as const;
type Target = (typeof TARGETS)[number];
// Offline: never look for instance credentials; no SDK banner in the JSON output.
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Ready {
  readonly url: string;
  readonly storeUrl: string;
  readonly tableName: string;
  readonly sampleToken: string;
  readonly sample: { readonly userId: string; readonly spaceId: string };
}
interface Result {
  readonly target: Target;
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly rps: number;
}

/** Starts a child process and resolves with the first JSON line it prints. */
function startChild<T>(args: string[], what: string): Promise<{ child: ChildProcess; ready: T }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 90 s: ${stderr}`)), 90_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line || !out.includes('\n', out.indexOf(line))) return;
      clearTimeout(timer);
      resolve({ child, ready: JSON.parse(line) as T });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${stderr}`));
    });
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `requests` calls of `one` with `concurrency` in flight; latencies in ms. */
async function measure(target: Target, concurrency: number, requests: number, one: () => Promise<boolean>): Promise<Result> {
  const latencies = new Float64Array(requests);
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        if (!(await one())) errors++;
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort();
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    target,
    concurrency,
    requests,
    errors,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    rps: Math.round(requests / seconds),
  };
}

function httpGetter(url: string, token: string, agent: http.Agent): () => Promise<boolean> {
  const target = new URL(url);
  return () =>
    new Promise<boolean>((resolve) => {
      const req = http.get(
        { host: target.hostname, port: target.port, path: target.pathname, agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
    });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const r2 = (v: number) => Math.round(v * 100) / 100;
/** Median and the spread over rounds (the machine is shared: the spread is the noise). */
const spread = (values: number[]) => ({ median: r2(median(values)), min: r2(Math.min(...values)), max: r2(Math.max(...values)) });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '3' }, storm: { type: 'string', default: '1000' } },
  });
  const [requests, rounds, storm] = [Number(values.requests), Number(values.rounds), Number(values.storm)];
  if (!(Number.isInteger(requests) && requests >= 100 && Number.isInteger(rounds) && rounds >= 1 && Number.isInteger(storm) && storm >= 0)) {
    throw new Error('--requests must be an integer ≥ 100, --rounds an integer ≥ 1, --storm an integer ≥ 0');
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-bench-lookup-'));
  const children: ChildProcess[] = [];
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 64 }), new http.Agent({ keepAlive: true, maxSockets: 64 })];
  let storeClient: ReturnType<typeof createLookupDynamoClient> | undefined;
  try {
    const served = await startChild<Ready>(
      [path.join(ROOT, 'bin', 'flavors.js'), 'lookup', 'serve', '--port', '0', '--store-port', '0', '--json', '--state-dir', stateDir],
      'lookup serve',
    );
    children.push(served.child);
    const { ready } = served;
    const lambda = await startChild<{ url: string }>(
      [
        '--import',
        'tsx',
        path.join(__dirname, 'lookup-lambda-host.ts'),
        JSON.stringify({
          storeUrl: ready.storeUrl,
          tableName: ready.tableName,
          identityJwksUrl: `${ready.url}/dev/identity/jwks.json`,
          flavorsDir: path.join(ROOT, 'flavors'),
          maxEnvironments: 64,
          kms: KMS,
        }),
      ],
      'lambda host',
    );
    children.push(lambda.child);

    const routePath = `/v1/spaces/${ready.sample.spaceId}/route`;
    const client = createLookupDynamoClient({ endpoint: ready.storeUrl, maxSockets: 64 });
    storeClient = client;
    const space = keyItem(spaceKey(ready.sample.spaceId));
    const grant = keyItem(grantKey(ready.sample.spaceId, ready.sample.userId));
    const one: Record<Target, () => Promise<boolean>> = {
      store: () =>
        client.send(new GetItemCommand({ TableName: ready.tableName, Key: space, ConsistentRead: true })).then(
          (o) => o.Item !== undefined,
          () => false,
        ),
      'store-batch': () =>
        client.send(new BatchGetItemCommand({ RequestItems: { [ready.tableName]: { Keys: [space, grant], ConsistentRead: true } } })).then(
          (o) => o.Responses?.[ready.tableName]?.length === 2,
          () => false,
        ),
      service: httpGetter(`${ready.url}${routePath}`, ready.sampleToken, agents[0]),
      lambda: httpGetter(`${lambda.ready.url}${routePath}`, ready.sampleToken, agents[1]),
    };

    // Warm every path (JIT, sockets, caches, the Lambda environments' keys) before measuring.
    for (const target of TARGETS) await measure(target, 32, 1000, one[target]);

    // Targets are measured back to back within a round, under the same machine load; ratios are
    // taken within a round, then summarised over rounds.
    const rows: Record<string, Result>[] = [];
    for (let round = 0; round < rounds; round++) {
      const row: Record<string, Result> = {};
      for (const concurrency of [1, 32]) {
        const n = concurrency === 1 ? Math.max(500, Math.floor(requests / 5)) : requests;
        for (const target of TARGETS) {
          const result = await measure(target, concurrency, n, one[target]);
          console.log(JSON.stringify({ bench: 'lookup', round, ...result }));
          row[`${target}@${concurrency}`] = result;
        }
      }
      rows.push(row);
    }
    const stats = (await (await fetch(`${lambda.ready.url}/__bench/stats`)).json()) as {
      environments: number;
      invocations: number;
      kms: { sign: number; getPublicKey: number; throttled: number };
      errors: string[];
    };
    const ratios = (target: 'service' | 'lambda') => ({
      p99_c1_excess_ms: spread(rows.map((r) => r[`${target}@1`].p99_ms - r['store@1'].p99_ms)),
      throughput_ratio_c32: spread(rows.map((r) => r[`${target}@32`].rps / r['store@32'].rps)),
      throughput_ratio_c32_vs_batch_read: spread(rows.map((r) => r[`${target}@32`].rps / r['store-batch@32'].rps)),
    });
    const pick = (key: string, field: 'p50_ms' | 'p99_ms' | 'rps') => r2(median(rows.map((r) => r[key][field])));
    const service = ratios('service');
    const lambdaRatios = ratios('lambda');
    console.log(
      JSON.stringify({
        bench: 'lookup',
        summary: true,
        rounds,
        cpus: os.cpus().length,
        load1: r2(os.loadavg()[0]),
        store: { p50_ms_c1: pick('store@1', 'p50_ms'), p99_ms_c1: pick('store@1', 'p99_ms'), rps_c32: pick('store@32', 'rps') },
        store_batch: { p99_ms_c1: pick('store-batch@1', 'p99_ms'), rps_c32: pick('store-batch@32', 'rps') },
        service: { p50_ms_c1: pick('service@1', 'p50_ms'), p99_ms_c1: pick('service@1', 'p99_ms'), rps_c32: pick('service@32', 'rps'), ...service },
        lambda: { p50_ms_c1: pick('lambda@1', 'p50_ms'), p99_ms_c1: pick('lambda@1', 'p99_ms'), rps_c32: pick('lambda@32', 'rps'), ...lambdaRatios },
        aim_service_p99_c1_within_store_plus_1_5ms: service.p99_c1_excess_ms.median <= 1.5,
        aim_service_throughput_c32_ge_0_85: service.throughput_ratio_c32.median >= 0.85,
        aim_lambda_p99_c1_within_store_plus_1_5ms: lambdaRatios.p99_c1_excess_ms.median <= 1.5,
        aim_lambda_throughput_c32_ge_0_85: lambdaRatios.throughput_ratio_c32.median >= 0.85,
        kms: {
          ...KMS,
          routes_served: stats.invocations,
          environments: stats.environments,
          sign_calls: stats.kms.sign,
          get_public_key_calls: stats.kms.getPublicKey,
          throttled: stats.kms.throttled,
          routes_per_sign: Math.round(stats.invocations / Math.max(1, stats.kms.sign)),
        },
        errors: rows.reduce((sum, r) => sum + Object.values(r).reduce((s, x) => s + x.errors, 0), 0),
        lambda_errors: stats.errors,
      }),
    );
    if (storm > 0) console.log(JSON.stringify({ bench: 'lookup', kms_cold_start_storm: await kmsColdStartStorm(storm, KMS) }));
  } finally {
    for (const agent of agents) agent.destroy();
    storeClient?.destroy();
    for (const child of children.reverse()) await stopChild(child);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(JSON.stringify({ bench: 'lookup', error: err instanceof Error ? err.message : String(err) }));
  process.exitCode = 1;
});
