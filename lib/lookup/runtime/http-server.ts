import * as http from 'http';
import type { LookupHandler, LookupRequest } from './route-handler';

/**
 * Serves a lookup handler over Node's http server (the dev server, tests, the benchmark). Keep-alive
 * on; request bodies are drained and ignored (the API is GET only).
 */
export function createLookupHttpServer(handler: LookupHandler): http.Server {
  const server = http.createServer((req, res) => {
    req.resume();
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const request: LookupRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers };
    handler(request).then(
      (response) => {
        res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
        res.end(response.body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'LOOKUP_INTERNAL', message: 'unexpected error.' } }));
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

/** Listens on host:port (0 = any free port) and resolves with the port bound. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Closes the server, dropping idle keep-alive sockets so close does not wait for clients. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
