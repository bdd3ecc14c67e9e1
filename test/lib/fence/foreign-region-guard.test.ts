// foreignRegionGuard in front of a real node:http server on 127.0.0.1: a valid token of another
// region is redirected to its home endpoint and the handler never runs there.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { FenceError, foreignRegionGuard } from '../../../lib/fence';
import { REGION_A, REGION_B, tokens, type Tokens } from './fence-fixtures';

let t: Tokens;
let server: http.Server;
let base: string;
let handled: string[];

beforeAll(async () => {
  t = await tokens();
  const guard = foreignRegionGuard({ region: REGION_A, trust: t.trust });
  server = http.createServer((req, res) => {
    guard(req, res, (err) => {
      if (err) {
        res.writeHead(500).end();
        return;
      }
      handled.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('handled in us-east-1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  handled = [];
});

const call = (path: string, token?: string, method = 'POST') =>
  fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(method === 'POST' ? { body: '{"amount":60}' } : {}),
  });

describe('foreignRegionGuard', () => {
  test(
    'Given a valid token homed in another region, When it reaches this region, ' +
      'Then 307 to the home endpoint with path and query, and the handler does not run',
    async () => {
      const res = await call('/v1/spaces/s-alpha/debits?idempotency=42', await t.mint({ region: REGION_B, epoch: 2 }));
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toBe('https://ap-southeast-2.us-australia.flavors.example.com/v1/spaces/s-alpha/debits?idempotency=42');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: 'FENCE_WRONG_REGION',
        message:
          'space s-alpha is homed in ap-southeast-2; repeat the request at ' +
          'https://ap-southeast-2.us-australia.flavors.example.com/v1/spaces/s-alpha/debits?idempotency=42.',
      });
      expect(handled).toEqual([]);
    },
  );

  test('Given a valid token of this region, When it arrives, Then the handler runs', async () => {
    const res = await call('/v1/spaces/s-alpha/debits', await t.mint({ region: REGION_A, epoch: 2 }));
    expect(res.status).toBe(200);
    expect(handled).toEqual(['POST /v1/spaces/s-alpha/debits']);
  });

  test.each([
    ['no token', undefined],
    ['a token that is not a JWT', 'garbage'],
  ])('Given %s, When it arrives, Then the guard leaves the decision to the handler', async (_what, token) => {
    const res = await call('/v1/spaces/s-alpha', token, 'GET');
    expect(res.status).toBe(200);
    expect(handled).toEqual(['GET /v1/spaces/s-alpha']);
  });

  test('Given a token of another region signed by an unknown key, When it arrives, Then it is not redirected (only valid tokens are)', async () => {
    const stranger = await tokens();
    const res = await call('/v1/spaces/s-alpha', await stranger.mint({ region: REGION_B, epoch: 2 }), 'GET');
    expect(res.status).toBe(200);
  });

  test('Given a verifier that fails unexpectedly, When a request arrives, Then the error goes to next and the handler does not run', async () => {
    const guard = foreignRegionGuard({
      region: REGION_A,
      verify: () => {
        throw new Error('JWKS endpoint down');
      },
    });
    const next = jest.fn();
    const res = { writeHead: jest.fn(), end: jest.fn() } as unknown as http.ServerResponse;
    guard({ headers: { authorization: 'Bearer x' }, url: '/' } as http.IncomingMessage, res, next);
    await new Promise((r) => setImmediate(r));
    expect(next).toHaveBeenCalledWith(expect.objectContaining({ message: 'JWKS endpoint down' }));
  });

  test('Given a foreign token without a usable home endpoint, When it arrives, Then 421 and no handler', async () => {
    const guard = foreignRegionGuard({ region: REGION_A, verify: () => ({ space: 's-alpha', region: REGION_B, epoch: 2 }) });
    const next = jest.fn();
    const writeHead = jest.fn();
    const res = { writeHead, end: jest.fn() } as unknown as http.ServerResponse;
    guard({ headers: { authorization: 'Bearer x' }, url: '/' } as http.IncomingMessage, res, next);
    await new Promise((r) => setImmediate(r));
    expect(writeHead).toHaveBeenCalledWith(421, expect.anything());
    expect(next).not.toHaveBeenCalled();
  });

  test('Given no verify and no trust, When the guard is made, Then FENCE_BAD_INPUT', () => {
    expect(() => foreignRegionGuard({ region: REGION_A })).toThrow(FenceError);
  });
});
