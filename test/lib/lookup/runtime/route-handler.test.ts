import * as fs from 'fs';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { JSONWebKeySet } from 'jose';
import { DevIdentityIssuer } from '../../../../lib/lookup/runtime/dev-identity';
import { verifyFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { IdentityVerifier } from '../../../../lib/lookup/runtime/identity';
import { grantItem, spaceItem, type SpaceRecord } from '../../../../lib/lookup/runtime/records';
import { createLookupHandler, type LookupHandler, type LookupLogEntry, type LookupRequest } from '../../../../lib/lookup/runtime/route-handler';
import { LocalKeySigner } from '../../../../lib/lookup/runtime/signer';
import { LookupStore } from '../../../../lib/lookup/runtime/store';
import { FLAVORS, TABLE, tempDir } from './lookup-fixtures';

const NOW_MS = 1_800_000_000_000;
const dynamo = mockClient(DynamoDBClient);

const SPACES: Record<string, SpaceRecord> = {
  's-acme-1': { spaceId: 's-acme-1', clientId: 'c-acme', flavor: 'global', homeRegion: 'us-east-1', epoch: 3 },
  's-acme-eu': { spaceId: 's-acme-eu', clientId: 'c-acme', flavor: 'global', homeRegion: 'eu-west-1', epoch: 1, policy: { countries: ['IE', 'SG'] } },
  's-moving-1': { spaceId: 's-moving-1', clientId: 'c-acme', flavor: 'global', homeRegion: 'us-east-1', epoch: 4, state: 'moving' },
  's-bad-home': {
    spaceId: 's-bad-home',
    clientId: 'c-acme',
    flavor: 'global',
    homeRegion: 'us-east-1',
    epoch: 1,
    policy: { regions: ['eu-west-1'] },
  },
};
const GRANTS = new Set([
  's-moving-1/user-acme',
  's-acme-1/user-acme',
  's-acme-eu/user-acme',
  's-bad-home/user-acme',
  's-gone-1/user-acme',
  's-acme-1/user-other',
]);

/** A fake table behind BatchGetItem: what the real store would answer for these records. */
function fakeTable(): void {
  dynamo.on(BatchGetItemCommand).callsFake((input) => {
    const { Keys } = input.RequestItems[TABLE];
    const found = Keys.flatMap((key: Record<string, { S: string }>) => {
      const spaceId = key.pk.S.replace('SPACE#', '');
      if (key.sk.S === 'SPACE') return SPACES[spaceId] ? [spaceItem(SPACES[spaceId])] : [];
      const userId = key.sk.S.replace('GRANT#', '');
      return GRANTS.has(`${spaceId}/${userId}`) ? [grantItem({ spaceId, userId })] : [];
    });
    return { Responses: { [TABLE]: found } };
  });
}

describe('lookup route handler', () => {
  let issuer: DevIdentityIssuer;
  let handler: LookupHandler;
  let jwks: JSONWebKeySet;
  const logs: LookupLogEntry[] = [];
  const stateDir = tempDir('handler');
  const get = async (path: string, token?: string, method = 'GET') => {
    const request: LookupRequest = { method, path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } };
    const response = await handler(request);
    return { ...response, json: JSON.parse(response.body) };
  };

  beforeAll(async () => {
    issuer = await DevIdentityIssuer.load(stateDir);
    const signer = await LocalKeySigner.generate('lookup-test');
    jwks = { keys: [await signer.publicJwk()] };
    handler = createLookupHandler({
      store: new LookupStore({
        client: new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
        tableName: TABLE,
      }),
      flavors: FLAVORS,
      identity: new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() }),
      signer,
      endpointZone: 'flavors.example.com',
      clock: () => NOW_MS,
      log: (entry) => logs.push(entry),
    });
  });
  beforeEach(() => {
    dynamo.reset();
    fakeTable();
    logs.length = 0;
  });
  afterAll(() => {
    dynamo.restore();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const mint = (userId: string) => issuer.mint(userId, { now: NOW_MS / 1000 });

  test('200: route and a token for the home region, from one store round trip', async () => {
    const res = await get('/v1/spaces/s-acme-1/route', await mint('user-acme'));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      flavor: 'global',
      homeRegion: 'us-east-1',
      endpoint: 'https://us-east-1.global.flavors.example.com',
      fallbacks: ['eu-west-1', 'ap-southeast-1'],
      epoch: 3,
      token: expect.any(String),
      expiresAt: '2027-01-15T08:05:00.000Z',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(dynamo.commandCalls(BatchGetItemCommand)).toHaveLength(1);
    expect(dynamo.calls()).toHaveLength(1);
    const read = dynamo.commandCalls(BatchGetItemCommand)[0].args[0].input.RequestItems![TABLE];
    expect(read).toEqual({
      Keys: [
        { pk: { S: 'SPACE#s-acme-1' }, sk: { S: 'SPACE' } },
        { pk: { S: 'SPACE#s-acme-1' }, sk: { S: 'GRANT#user-acme' } },
      ],
      ConsistentRead: true,
    });
    const claims = await verifyFlavorToken(res.json.token, {
      flavor: 'global',
      region: 'us-east-1',
      currentEpoch: 3,
      jwks,
      currentDate: new Date(NOW_MS),
    });
    expect(claims).toMatchObject({
      sub: 'user-acme',
      space: 's-acme-1',
      aud: 'https://us-east-1.global.flavors.example.com',
      exp: NOW_MS / 1000 + 300,
    });
  });

  test('a space narrowed to a subset is routed inside that subset only', async () => {
    const res = await get('/v1/spaces/s-acme-eu/route', await mint('user-acme'));
    expect(res.json).toMatchObject({
      homeRegion: 'eu-west-1',
      fallbacks: ['ap-southeast-1'],
      endpoint: 'https://eu-west-1.global.flavors.example.com',
    });
  });

  test('403 without a grant is byte-identical for an existing and a missing space, and the 403 reveals nothing else', async () => {
    const token = await mint('user-stranger');
    const existing = await get('/v1/spaces/s-acme-1/route', token);
    const missing = await get('/v1/spaces/s-never-existed/route', token);
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(missing.body).toBe(existing.body);
    expect(missing.headers).toEqual(existing.headers);
    expect(existing.json).toEqual({ error: { code: 'LOOKUP_FORBIDDEN', message: 'you have no grant for this space.' } });
  });

  test('404 only for a caller holding a grant on a space that is gone', async () => {
    const res = await get('/v1/spaces/s-gone-1/route', await mint('user-acme'));
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('LOOKUP_NOT_FOUND');
  });

  test.each([
    ['no Authorization header', undefined],
    ['an empty bearer', ''],
    ['garbage', 'not.a.jwt'],
  ])('401 for %s, before the store is read', async (_name, token) => {
    const res = await get('/v1/spaces/s-acme-1/route', token);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('LOOKUP_UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('401 for an expired identity token and for a Basic header', async () => {
    const expired = await issuer.mint('user-acme', { now: NOW_MS / 1000 - 7200, ttlSeconds: 600 });
    expect((await get('/v1/spaces/s-acme-1/route', expired)).json.error).toEqual({
      code: 'LOOKUP_UNAUTHENTICATED',
      message: 'the identity token has expired; sign in again.',
    });
    const basic = await handler({ method: 'GET', path: '/v1/spaces/s-acme-1/route', headers: { authorization: 'Basic dTpw' } });
    expect(basic.status).toBe(401);
  });

  test.each([
    ['a slash (encoded)', '/v1/spaces/a%2Fb-c/route'],
    ['a slash (raw)', '/v1/spaces/abc/def/route'],
    ['an empty id', '/v1/spaces//route'],
    ['no id at all', '/v1/spaces/route'],
    ['unicode', `/v1/spaces/${encodeURIComponent('espaço-1')}/route`],
    ['a 10 KB id', `/v1/spaces/${'a'.repeat(10_240)}/route`],
    ['upper case', '/v1/spaces/S-ACME-1/route'],
    ['a key separator', '/v1/spaces/s-acme-1%23GRANT/route'],
    ['broken percent-encoding', '/v1/spaces/s-%E0%A4%A/route'],
  ])('400 for %s, before identity or store', async (_name, path) => {
    const res = await get(path, await mint('user-acme'));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('LOOKUP_BAD_REQUEST');
    expect(res.body.length).toBeLessThan(300);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('Given a space being moved, when a granted caller asks, then 503 SPACE_MOVING with Retry-After and no token', async () => {
    const res = await get('/v1/spaces/s-moving-1/route', await mint('user-acme'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json).toEqual({
      error: { code: 'SPACE_MOVING', message: 'this space is being moved to another flavor; retry after the Retry-After seconds.' },
    });
    expect(res.body).not.toContain('token');
  });

  test('Given a space being moved, when a caller without a grant asks, then the same 403 as for a missing space', async () => {
    const token = await mint('user-stranger');
    const moving = await get('/v1/spaces/s-moving-1/route', token);
    const missing = await get('/v1/spaces/s-never-existed/route', token);
    expect(moving.status).toBe(403);
    expect(moving.body).toBe(missing.body);
    expect(moving.headers).toEqual(missing.headers);
  });

  test('an active state routes like a record without one', async () => {
    SPACES['s-active-1'] = { ...SPACES['s-acme-1'], spaceId: 's-active-1', state: 'active' };
    GRANTS.add('s-active-1/user-acme');
    const res = await get('/v1/spaces/s-active-1/route', await mint('user-acme'));
    expect(res.status).toBe(200);
    expect(res.json.epoch).toBe(3);
  });

  test('503 with Retry-After and a clear body when the store fails; the failure is logged', async () => {
    dynamo.on(BatchGetItemCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const res = await get('/v1/spaces/s-acme-1/route', await mint('user-acme'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json).toEqual({
      error: { code: 'LOOKUP_STORE_UNAVAILABLE', message: 'the lookup store is unavailable; retry after the Retry-After seconds.' },
    });
    expect(logs).toEqual([expect.objectContaining({ code: 'LOOKUP_STORE_UNAVAILABLE', spaceId: 's-acme-1' })]);
  });

  test('unprocessed keys are read once more, then count as a store failure', async () => {
    const keys = { Keys: [{ pk: { S: 'SPACE#s-acme-1' }, sk: { S: 'SPACE' } }] };
    dynamo
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { [TABLE]: [grantItem({ spaceId: 's-acme-1', userId: 'user-acme' })] }, UnprocessedKeys: { [TABLE]: keys } })
      .resolvesOnce({ Responses: { [TABLE]: [spaceItem(SPACES['s-acme-1'])] } });
    expect((await get('/v1/spaces/s-acme-1/route', await mint('user-acme'))).status).toBe(200);
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: keys } });
    expect((await get('/v1/spaces/s-acme-1/route', await mint('user-acme'))).status).toBe(503);
  });

  test('500 and no token when a stored home region lies outside the space policy', async () => {
    const res = await get('/v1/spaces/s-bad-home/route', await mint('user-acme'));
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe('LOOKUP_SPACE_MISCONFIGURED');
    expect(res.body).not.toContain('token');
    expect(logs[0]).toMatchObject({ code: 'LOOKUP_HOME_OUTSIDE_POLICY', spaceId: 's-bad-home' });
  });

  test('500 and no token for a malformed stored record', async () => {
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        [TABLE]: [{ ...spaceItem(SPACES['s-acme-1']), homeRegion: { S: 'mars-1' } }, grantItem({ spaceId: 's-acme-1', userId: 'user-acme' })],
      },
    });
    const res = await get('/v1/spaces/s-acme-1/route', await mint('user-acme'));
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe('LOOKUP_SPACE_MISCONFIGURED');
  });

  test('405 for another method, 404 for another path, both with a JSON error body', async () => {
    const post = await get('/v1/spaces/s-acme-1/route', await mint('user-acme'), 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect(post.json.error.code).toBe('LOOKUP_METHOD_NOT_ALLOWED');
    const other = await get('/v1/spaces/s-acme-1', await mint('user-acme'));
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe('LOOKUP_ROUTE_UNKNOWN');
  });

  test('a query string does not change the route', async () => {
    expect((await get('/v1/spaces/s-acme-1/route?x=1', await mint('user-acme'))).status).toBe(200);
  });

  test('serves the public signing keys at /.well-known/jwks.json', async () => {
    const res = await get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.json).toEqual(jwks);
  });

  test('refuses a token lifetime over 5 minutes at construction', () => {
    expect(() =>
      createLookupHandler({
        store: {} as LookupStore,
        flavors: FLAVORS,
        identity: {} as IdentityVerifier,
        signer: {} as LocalKeySigner,
        tokenTtlSeconds: 600,
      }),
    ).toThrow('tokenTtlSeconds must be an integer from 1 to 300, not 600.');
  });
});
