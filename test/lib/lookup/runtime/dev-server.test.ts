import * as fs from 'fs';
import * as path from 'path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createLookupDynamoClient } from '../../../../lib/lookup/runtime/dynamo-client';
import { DEV_STATE_FILES, DevIdentityIssuer } from '../../../../lib/lookup/runtime/dev-identity';
import { startLookupDevServer, type LookupDevServer } from '../../../../lib/lookup/runtime/dev-server';
import { verifyFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { REPO_FLAVORS } from '../../../helpers/repo-flavors';
import { tempDir } from './lookup-fixtures';

/** A raw HTTP GET (fetch would normalise `..`, `%2F` and friends before they reach the server). */
async function get(
  url: string,
  token?: string,
): Promise<{ status: number; headers: Headers; body: string; json: { error?: { code: string } } & Record<string, unknown> }> {
  const res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, json: JSON.parse(body) };
}

describe('the lookup dev server over HTTP (real store, real keys)', () => {
  let server: LookupDevServer;
  let stateDir: string;
  const items = async () => {
    const client = createLookupDynamoClient({ endpoint: server.storeUrl });
    try {
      return (await client.send(new ScanCommand({ TableName: server.tableName, ConsistentRead: true }))).Items ?? [];
    } finally {
      client.destroy();
    }
  };

  beforeAll(async () => {
    stateDir = tempDir('dev-server');
    server = await startLookupDevServer({ flavors: REPO_FLAVORS, stateDir, port: 0, storePort: 0 });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const route = (spaceId: string) => `${server.url}/v1/spaces/${spaceId}/route`;

  test('listens on 127.0.0.1 only, with its store on its own port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.storeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.storeUrl).not.toBe(server.url);
  });

  test('seeds a client, a user and spaces for each of the three flavors', () => {
    expect(server.seed.clients.map((c) => c.flavor).sort()).toEqual(['germany-belgium', 'global', 'us-australia']);
    expect(server.seed.spaces.map((s) => s.spaceId).sort()).toEqual([
      's-germany-belgium-1',
      's-global-1',
      's-global-2',
      's-us-australia-1',
      's-us-australia-2',
    ]);
  });

  describe('authorization matrix', () => {
    test("owner: 200 with a token for the space's flavor and home region that verifies against the served JWKS", async () => {
      const res = await get(route('s-global-2'), await server.devIdentity.mint('user-global'));
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        flavor: 'global',
        homeRegion: 'eu-west-1',
        fallbacks: ['ap-southeast-1'],
        epoch: 1,
        endpoint: 'https://eu-west-1.global.flavors.example.com',
      });
      const jwks = (await get(`${server.url}/.well-known/jwks.json`)).json as unknown as { keys: [] };
      await expect(
        verifyFlavorToken(res.json.token as string, {
          flavor: 'global',
          region: 'eu-west-1',
          currentEpoch: 1,
          jwks,
          audience: 'https://eu-west-1.global.flavors.example.com',
        }),
      ).resolves.toMatchObject({ sub: 'user-global', space: 's-global-2' });
    });

    test('user of another client: 403, identical to a space that does not exist', async () => {
      const token = await server.devIdentity.mint('user-us-australia');
      const other = await get(route('s-global-1'), token);
      const missing = await get(route('s-does-not-exist'), token);
      expect(other.status).toBe(403);
      expect(other.json.error!.code).toBe('LOOKUP_FORBIDDEN');
      expect(missing.status).toBe(403);
      expect(missing.body).toBe(other.body);
    });

    test('no token: 401', async () => {
      const res = await get(route('s-global-1'));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.json.error!.code).toBe('LOOKUP_UNAUTHENTICATED');
    });

    test('expired token: 401', async () => {
      const token = await server.devIdentity.mint('user-global', { now: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 });
      expect((await get(route('s-global-1'), token)).json.error!.code).toBe('LOOKUP_UNAUTHENTICATED');
    });

    test("wrong issuer: 401, whether signed by the trusted key or by a stranger's", async () => {
      const sameKey = await server.devIdentity.mint('user-global', { issuer: 'https://other-idp.example' });
      expect((await get(route('s-global-1'), sameKey)).status).toBe(401);
      const strangerDir = tempDir('stranger');
      try {
        const stranger = await DevIdentityIssuer.load(strangerDir);
        expect((await get(route('s-global-1'), await stranger.mint('user-global'))).status).toBe(401);
      } finally {
        fs.rmSync(strangerDir, { recursive: true, force: true });
      }
    });
  });

  test.each([
    ['an id with a slash', 'a%2Fb-c'],
    ['an id with two path segments', 'abc/def'],
    ['a 10 KB id', 'a'.repeat(10_240)],
    ['a unicode id', encodeURIComponent('空間-1')],
    ['an empty id', ''],
  ])('malformed input, %s: 400 and nothing written', async (_name, id) => {
    const before = await items();
    const res = await get(`${server.url}/v1/spaces/${id}/route`, await server.devIdentity.mint('user-global'));
    expect(res.status).toBe(400);
    expect(res.json.error!.code).toBe('LOOKUP_BAD_REQUEST');
    expect(await items()).toEqual(before);
  });

  test('serves the dev identity JWKS and keeps the dev keys private to the user', async () => {
    const res = await get(`${server.url}/dev/identity/jwks.json`);
    expect((res.json as unknown as { keys: { d?: string; kty: string }[] }).keys).toEqual([expect.objectContaining({ kty: 'EC' })]);
    expect(res.body).not.toContain('"d"');
    expect(fs.statSync(path.join(stateDir, DEV_STATE_FILES.identityKey)).mode & 0o077).toBe(0);
  });

  test('a second server on the same port fails with a clear error and stops what it started', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startLookupDevServer({ flavors: [], stateDir, port, storePort: 0 })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is in use (another lookup serve?); stop it or pass --port <port>.`,
    );
  });
});
