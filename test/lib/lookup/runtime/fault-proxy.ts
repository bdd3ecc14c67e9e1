// An HTTP proxy on 127.0.0.1 in front of a store, whose behaviour a test switches while load runs.
import * as http from 'http';

export type FaultMode = 'pass' | 'fail' | 'stall' | 'reset';

export interface FaultProxy {
  readonly endpoint: string;
  mode: FaultMode;
  /** Requests seen per mode. */
  readonly seen: Record<FaultMode, number>;
  close(): Promise<void>;
}

/**
 * `pass` forwards; `fail` answers DynamoDB's 500 InternalServerError; `stall` never answers (the
 * client must time out); `reset` destroys the connection.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const stalled = new Set<http.ServerResponse>();
  const state: FaultProxy = {
    endpoint: '',
    mode: 'pass',
    seen: { pass: 0, fail: 0, stall: 0, reset: 0 },
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    const mode = state.mode;
    state.seen[mode]++;
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (mode === 'stall') {
      req.resume();
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
      return;
    }
    if (mode === 'fail') {
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected failure' }));
      });
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    // A client that gives up (timeout) must not leave a half-sent request hanging on the store.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled) res.destroy();
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
