// Runs inside the flavor-loading child process (see sandbox-load.ts), bundled by esbuild into the
// program the parent feeds to `node -`. Never imported by the library: it patches the process.
import * as fs from 'fs';
import * as vm from 'vm';
import { toPlainData } from './plain-data';
import type { SandboxInput, SandboxOutcome } from './sandbox-protocol';
import { SANDBOX_LINE_PREFIX } from './sandbox-protocol';

declare const FLAVOR_SANDBOX_INPUT: SandboxInput;

/** Built-in modules a flavor file may import: pure helpers, no I/O. Everything else is refused. */
const ALLOWED_MODULES = new Set(['path', 'util', 'url', 'assert', 'events', 'buffer', 'string_decoder', 'querystring']);

let attempts: string[] = [];

function denied(what: string): never {
  attempts.push(what);
  const error = new Error(`${what} is not allowed while a flavor file is loaded`);
  (error as Error & { code: string }).code = 'SANDBOX_DENIED';
  throw error;
}

/** Network off for this process: TCP/TLS sockets, UDP, DNS and fetch fail (file writes, processes and workers are off by Node's permission model). */
function closeNetwork(): void {
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment,
     @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument --
     the modules are patched in place, for every later importer: untyped access to Node's own objects */
  const net = require('net');
  const connect = () => denied('opening a network connection');
  net.Socket.prototype.connect = connect;
  net.connect = connect;
  net.createConnection = connect;
  require('tls').connect = connect;
  require('dgram').createSocket = () => denied('opening a UDP socket');
  const dns = require('dns');
  for (const api of [dns, dns.promises]) {
    for (const key of Object.keys(api))
      if (typeof api[key] === 'function' && /^(lookup|resolve|reverse)/.test(key)) api[key] = () => denied('a DNS lookup');
  }
  /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment,
     @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
  for (const name of ['fetch', 'WebSocket', 'EventSource'])
    Object.defineProperty(globalThis, name, { value: () => denied(`calling ${name}`), configurable: false, writable: false });
}

function sandboxRequire(name: unknown): unknown {
  const id = String(name).replace(/^node:/, '');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only the allow-listed built-ins
  if (ALLOWED_MODULES.has(id)) return require(id);
  return denied(`importing '${id.slice(0, 80)}'`);
}

function text(value: unknown, max = 500): string {
  const s = typeof value === 'string' ? value : '';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Reads what matters from anything a file may throw, inside the time limit (it may be a proxy or have getters). */
function describeThrown(thrown: unknown): SandboxOutcome {
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as Record<string, unknown>;
  const name = text(error.name, 80);
  const code = text(error.code, 80);
  const message = text(error.message) || text(typeof thrown === 'string' ? thrown : '') || 'the file threw a value that is not an Error';
  if (name === 'FlavorDefinitionError' && Array.isArray(error.problems)) {
    const problems = ((toPlainData(error.problems).value as unknown[]) ?? [])
      .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
      .map((p) => ({
        code: text(p.code, 80),
        path: text(p.path, 200),
        message: text(p.message),
        severity: p.severity === 'warning' ? ('warning' as const) : ('error' as const),
      }));
    return { kind: 'flavor-error', problems };
  }
  const sideEffect = code === 'SANDBOX_DENIED' || code === 'ERR_ACCESS_DENIED';
  return { kind: sideEffect ? 'side-effect' : 'threw', message };
}

function evaluate(file: string, code: string, timeoutMs: number): SandboxOutcome {
  const context = vm.createContext({}, { name: file, codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
  const bridge = { require: sandboxRequire, snapshot: toPlainData, describe: describeThrown, out: undefined as unknown };
  context.__flavorBridge = bridge;
  // The module objects are made inside the sandbox's realm; reading the default export and copying it
  // run inside the time limit too, since a getter or proxy trap is code of the file.
  const program = `(() => { const b = __flavorBridge; delete globalThis.__flavorBridge; const module = { exports: {} };
    try { (function (exports, require, module) {${code}\n})(module.exports, b.require, module);
      b.out = { kind: 'value', ...b.snapshot(module.exports.default) };
    } catch (e) { b.out = b.describe(e); } })();`;
  try {
    vm.runInContext(program, context, { timeout: timeoutMs, filename: file, displayErrors: false });
  } catch (err) {
    const timedOut = (err as { code?: unknown })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
    return timedOut ? { kind: 'timeout' } : { kind: 'threw', message: text((err as { message?: unknown })?.message) };
  }
  return (bridge.out as SandboxOutcome | undefined) ?? { kind: 'threw', message: 'the file produced no result' };
}

function emit(record: object): void {
  // Synchronous: if the parent kills this process for time, every finished file is already reported.
  let rest = Buffer.from(`${SANDBOX_LINE_PREFIX}${JSON.stringify(record)}\n`);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(fs.writeSync(1, rest));
    } catch (err) {
      // A pipe set to non-blocking answers EAGAIN while the parent has not read yet: try again.
      if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
    }
  }
}

closeNetwork();
const input = FLAVOR_SANDBOX_INPUT;
input.files.forEach((entry, index) => {
  emit({ index, started: true });
  attempts = [];
  const outcome = evaluate(entry.file, entry.code, input.timeoutMs);
  emit({ index, outcome, attempts: [...new Set(attempts)] });
});
process.exit(0);
