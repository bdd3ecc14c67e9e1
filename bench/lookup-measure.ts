// Measuring helpers of `bench:lookup`: a closed-loop load generator with latency percentiles, an HTTP
// GET caller, and CPU time of a process (and of its main thread) from /proc, so the benchmark can say
// what one request costs each side, not only how fast it went on a machine shared with others.
import * as fs from 'fs';
import * as http from 'http';

export interface Measurement {
  readonly requests: number;
  readonly errors: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly rps: number;
  /** CPU of the bench process itself (the caller) per request, µs. */
  readonly client_cpu_us: number;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `requests` calls of `one` with `concurrency` in flight. */
export async function measure(concurrency: number, requests: number, one: () => Promise<boolean>): Promise<Measurement> {
  const latencies = new Float64Array(requests);
  let next = 0;
  let errors = 0;
  const cpu = process.cpuUsage();
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
  const used = process.cpuUsage(cpu);
  latencies.sort();
  return {
    requests,
    errors,
    p50_ms: round3(percentile(latencies, 50)),
    p99_ms: round3(percentile(latencies, 99)),
    rps: Math.round(requests / seconds),
    client_cpu_us: Math.round((used.user + used.system) / requests),
  };
}

/** A GET with a bearer token over a keep-alive agent; true on 200. */
export function httpGetter(url: string, token: string, agent: http.Agent): () => Promise<boolean> {
  const target = new URL(url);
  const options = { host: target.hostname, port: target.port, path: target.pathname, agent, headers: { authorization: `Bearer ${token}` } };
  return () =>
    new Promise<boolean>((resolve) => {
      const req = http.get(options, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
    });
}

/** CPU ticks (user + system) of a process and of its main thread; undefined where /proc is missing. */
export interface CpuTicks {
  readonly process: number;
  readonly main: number;
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux

function ticksOf(statFile: string): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = fs.readFileSync(statFile, 'utf-8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function cpuTicks(pid: number | undefined): CpuTicks | undefined {
  if (pid === undefined || !fs.existsSync(`/proc/${pid}/stat`)) return undefined;
  try {
    return { process: ticksOf(`/proc/${pid}/stat`), main: ticksOf(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/** µs of CPU per request between two samples: the whole process and its main thread. */
export function cpuPerRequest(before: CpuTicks | undefined, after: CpuTicks | undefined, requests: number) {
  if (!before || !after) return undefined;
  return {
    process_us: Math.round(((after.process - before.process) * TICK_US) / requests),
    main_thread_us: Math.round(((after.main - before.main) * TICK_US) / requests),
  };
}
