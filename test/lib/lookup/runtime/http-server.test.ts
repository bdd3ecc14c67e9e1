import * as http from 'http';
import { close, createLookupHttpServer, listen } from '../../../../lib/lookup/runtime/http-server';
import type { LookupHandler, LookupRequest } from '../../../../lib/lookup/runtime/route-handler';

function request(
  port: number,
  path: string,
  headers: http.OutgoingHttpHeaders,
  agent?: http.Agent,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('lookup http server', () => {
  test('passes method, raw path and lower-case headers to the handler and writes its answer', async () => {
    const seen: LookupRequest[] = [];
    const handler: LookupHandler = (req) => {
      seen.push(req);
      return Promise.resolve({ status: 418, headers: { 'x-test': 'yes' }, body: 'é' });
    };
    const server = createLookupHttpServer(handler);
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const res = await request(port, '/v1/spaces/a%2Fb/route?q=1', { Authorization: 'Bearer t' });
      expect(res).toMatchObject({ status: 418, body: 'é', headers: { 'x-test': 'yes', 'content-length': '2' } });
      expect(seen[0]).toMatchObject({ method: 'GET', path: '/v1/spaces/a%2Fb/route?q=1', headers: { authorization: 'Bearer t' } });
    } finally {
      await close(server);
    }
  });

  test('a handler that throws becomes a JSON 500, not a dropped connection', async () => {
    const server = createLookupHttpServer(() => Promise.reject(new Error('boom')));
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const res = await request(port, '/', {});
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'LOOKUP_INTERNAL', message: 'unexpected error.' } });
    } finally {
      await close(server);
    }
  });

  test('close() does not wait for idle keep-alive clients', async () => {
    const server = createLookupHttpServer(() => Promise.resolve({ status: 200, headers: {}, body: '{}' }));
    const port = await listen(server, 0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true });
    try {
      await request(port, '/', {}, agent);
      await close(server);
      expect(server.listening).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});
