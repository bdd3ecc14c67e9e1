import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import * as esbuild from 'esbuild';
import { createLocalJWKSet } from 'jose';
import { LOOKUP_DEFAULTS } from '../../../../lib/lookup/runtime/defaults';
import { DevIdentityIssuer } from '../../../../lib/lookup/runtime/dev-identity';
import { lookupFlavorsJson, parseLookupFlavors } from '../../../../lib/lookup/runtime/flavor-config';
import { verifyFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { createLambdaHandler, type LambdaHttpEvent } from '../../../../lib/lookup/runtime/lambda';
import type { LookupLogEntry } from '../../../../lib/lookup/runtime/route-handler';
import { grantItem, spaceItem } from '../../../../lib/lookup/runtime/records';
import { FLAVORS, REPO_ROOT, tempDir } from './lookup-fixtures';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/mrk-abc';
const ENV = {
  LOOKUP_TABLE_NAME: 'flavors-lookup',
  LOOKUP_FLAVORS: lookupFlavorsJson(FLAVORS),
  LOOKUP_SIGNING_KEY_ID: KEY_ARN,
  LOOKUP_IDENTITY_ISSUER: 'flavors-dev-identity',
  LOOKUP_IDENTITY_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
  LOOKUP_IDENTITY_AUDIENCE: LOOKUP_DEFAULTS.devIdentityAudience,
  LOOKUP_ENDPOINT_ZONE: 'flavors.corp.example',
};

const event = (path: string, token?: string, method = 'GET'): LambdaHttpEvent => ({
  rawPath: path,
  headers: token ? { authorization: `Bearer ${token}` } : {},
  requestContext: { http: { method, path } },
});

describe('lambda entry point', () => {
  const dynamoClient = new DynamoDBClient({ region: 'eu-west-1' });
  const kmsClient = new KMSClient({ region: 'eu-west-1' });
  const dynamo = mockClient(dynamoClient);
  const kms = mockClient(kmsClient);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kmsSign = (input: { Message: Uint8Array }) => ({ Signature: crypto.sign('sha256', input.Message, { key: privateKey, dsaEncoding: 'der' }) });
  let issuer: DevIdentityIssuer;
  const stateDir = tempDir('lambda');
  beforeAll(async () => {
    issuer = await DevIdentityIssuer.load(stateDir);
  });
  beforeEach(() => {
    dynamo.reset();
    kms.reset();
    kms.on(SignCommand).callsFake(kmsSign);
    kms.on(GetPublicKeyCommand).resolves({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: publicKey.export({ format: 'der', type: 'spki' }),
    });
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        'flavors-lookup': [
          spaceItem({ spaceId: 's-acme-1', clientId: 'c-acme', flavor: 'us-australia', homeRegion: 'ap-southeast-2', epoch: 5 }),
          grantItem({ spaceId: 's-acme-1', userId: 'user-acme' }),
        ],
      },
    });
  });
  afterAll(() => {
    dynamo.restore();
    kms.restore();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const handlerFor = (env: Record<string, string | undefined>, log?: (e: LookupLogEntry) => void) =>
    createLambdaHandler(env, { dynamo: dynamoClient, kms: kmsClient, identityJwks: createLocalJWKSet(issuer.jwks()), log: log ?? (() => undefined) });

  test('routes an HTTP API event and signs the token with KMS', async () => {
    const handler = handlerFor(ENV);
    const res = await handler(event('/v1/spaces/s-acme-1/route', await issuer.mint('user-acme')));
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      flavor: 'us-australia',
      homeRegion: 'ap-southeast-2',
      fallbacks: ['us-east-1'],
      epoch: 5,
      endpoint: 'https://ap-southeast-2.us-australia.flavors.corp.example',
    });
    const jwks = JSON.parse((await handler(event('/.well-known/jwks.json'))).body);
    await expect(verifyFlavorToken(body.token, { flavor: 'us-australia', region: 'ap-southeast-2', currentEpoch: 5, jwks })).resolves.toMatchObject({
      iss: 'flavors-lookup',
      sub: 'user-acme',
    });
    expect(kms.commandCalls(SignCommand)[0].args[0].input.KeyId).toBe(KEY_ARN);
  });

  test(
    'Given a route reader (the SDK-free read AWS uses), when a route ' + 'is asked, then it reads through it and not through the SDK client',
    async () => {
      const reads: unknown[] = [];
      const handler = createLambdaHandler(ENV, {
        dynamo: dynamoClient,
        routeReader: {
          batchGetItem: (input) => {
            reads.push(input);
            return Promise.resolve({
              Responses: {
                'flavors-lookup': [
                  spaceItem({ spaceId: 's-acme-1', clientId: 'c-acme', flavor: 'us-australia', homeRegion: 'ap-southeast-2', epoch: 7 }),
                  grantItem({ spaceId: 's-acme-1', userId: 'user-acme' }),
                ],
              },
            });
          },
        },
        kms: kmsClient,
        identityJwks: createLocalJWKSet(issuer.jwks()),
        log: () => undefined,
      });
      const res = await handler(event('/v1/spaces/s-acme-1/route', await issuer.mint('user-acme')));
      expect([res.statusCode, JSON.parse(res.body).epoch]).toEqual([200, 7]);
      expect(reads).toEqual([
        {
          RequestItems: {
            'flavors-lookup': {
              Keys: [
                { pk: { S: 'SPACE#s-acme-1' }, sk: { S: 'SPACE' } },
                { pk: { S: 'SPACE#s-acme-1' }, sk: { S: 'GRANT#user-acme' } },
              ],
              ConsistentRead: true,
            },
          },
        },
      ]);
      expect(dynamo.calls()).toHaveLength(0);
    },
  );

  test('KMS is off the request path: the key is certified once, at init, and 100 routes make no further KMS call', async () => {
    // Given a freshly started execution environment (its init phase asks KMS to certify its key)
    const logs: LookupLogEntry[] = [];
    const handler = handlerFor({ ...ENV, AWS_REGION: 'eu-west-1' }, (e) => logs.push(e));
    const token = await issuer.mint('user-acme');
    // When it serves 100 route requests
    for (let i = 0; i < 100; i++) expect((await handler(event('/v1/spaces/s-acme-1/route', token))).statusCode).toBe(200);
    // Then KMS signed exactly once (the certificate), and the certification is in the audit log
    expect(kms.commandCalls(SignCommand)).toHaveLength(1);
    expect(logs).toEqual([
      { level: 'info', code: 'LOOKUP_SIGNING_KEY_CERTIFIED', message: expect.stringMatching(/certified by root key mrk-abc for eu-west-1, valid /) },
    ]);
  });

  test('KMS throttling at start-up: the request answers 503 with Retry-After, the next one succeeds', async () => {
    kms
      .on(SignCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .callsFake(kmsSign);
    const logs: LookupLogEntry[] = [];
    const handler = handlerFor(ENV, (e) => logs.push(e));
    const token = await issuer.mint('user-acme');
    const first = await handler(event('/v1/spaces/s-acme-1/route', token));
    expect([first.statusCode, first.headers['retry-after'], JSON.parse(first.body).error.code]).toEqual([503, '1', 'LOOKUP_SIGNER_UNAVAILABLE']);
    expect(logs).toContainEqual(expect.objectContaining({ code: 'LOOKUP_SIGNER_UNAVAILABLE', message: 'Rate exceeded' }));
    expect((await handler(event('/v1/spaces/s-acme-1/route', token))).statusCode).toBe(200);
  });

  test('maps the method and answers errors as JSON', async () => {
    const res = await handlerFor(ENV)(event('/v1/spaces/s-acme-1/route', undefined, 'DELETE'));
    expect(res.statusCode).toBe(405);
    expect(JSON.parse(res.body).error.code).toBe('LOOKUP_METHOD_NOT_ALLOWED');
  });

  test.each([
    ['a missing table name', { LOOKUP_TABLE_NAME: undefined }, 'LOOKUP_CONFIG_MISSING', 'environment variable LOOKUP_TABLE_NAME is not set.'],
    ['missing flavors', { LOOKUP_FLAVORS: '' }, 'LOOKUP_CONFIG_MISSING', /LOOKUP_FLAVORS is not set/],
    ['flavors that are not JSON', { LOOKUP_FLAVORS: '{' }, 'LOOKUP_CONFIG_INVALID', /LOOKUP_FLAVORS is not JSON/],
    [
      'an invalid flavor',
      { LOOKUP_FLAVORS: '[{"name":"x","residency":"global","regions":[]}]' },
      'LOOKUP_CONFIG_INVALID',
      /LOOKUP_FLAVORS holds an invalid flavor/,
    ],
    [
      'a plain-http JWKS URL',
      { LOOKUP_IDENTITY_JWKS_URL: 'http://idp.example/jwks' },
      'LOOKUP_CONFIG_INVALID',
      'LOOKUP_IDENTITY_JWKS_URL must be an https:// URL.',
    ],
    ['a token lifetime over 5 minutes', { LOOKUP_TOKEN_TTL_SECONDS: '3600' }, 'LOOKUP_TOKEN_TTL_INVALID', /from 1 to 300, not 3600/],
    [
      'a missing identity audience',
      { LOOKUP_IDENTITY_AUDIENCE: undefined },
      'LOOKUP_CONFIG_MISSING',
      'environment variable LOOKUP_IDENTITY_AUDIENCE is not set.',
    ],
    ['a missing endpoint zone', { LOOKUP_ENDPOINT_ZONE: ' ' }, 'LOOKUP_CONFIG_MISSING', 'environment variable LOOKUP_ENDPOINT_ZONE is not set.'],
  ])('%s: every request answers 500 LOOKUP_MISCONFIGURED, the reason is logged once', async (_name, over, code, message) => {
    const logs: LookupLogEntry[] = [];
    const handler = handlerFor({ ...ENV, ...over }, (e) => logs.push(e));
    for (let i = 0; i < 2; i++) {
      const res = await handler(event('/v1/spaces/s-acme-1/route', await issuer.mint('user-acme')));
      expect(res.statusCode).toBe(500);
      expect(JSON.parse(res.body).error.code).toBe('LOOKUP_MISCONFIGURED');
    }
    expect(logs).toHaveLength(1);
    expect(logs[0].code).toBe(code);
    if (typeof message === 'string') expect(logs[0].message).toBe(message);
    else expect(logs[0].message).toMatch(message);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('the flavors survive the JSON round trip', () => {
    const value = lookupFlavorsJson(FLAVORS);
    const parsed = parseLookupFlavors(value);
    expect(parsed.map((f) => [f.name, f.primaryRegion, f.fallbackRegions, f.failover.dns])).toEqual(
      FLAVORS.map((f) => [f.name, f.primaryRegion, f.fallbackRegions, f.failover.dns]),
    );
  });
});

describe('lambda bundle', () => {
  test('esbuild bundles lambda.ts without aws-cdk-lib or the dev store, and the bundle runs on Node', async () => {
    const outDir = tempDir('lambda-bundle');
    try {
      const outfile = path.join(outDir, 'index.js');
      const result = await esbuild.build({
        entryPoints: [path.join(REPO_ROOT, 'lib/lookup/runtime/lambda.ts')],
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        outfile,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((i) => /aws-cdk-lib|constructs\/|dynalite|embedded-store|dev-server/.test(i))).toEqual([]);
      expect(inputs.some((i) => i.includes('node_modules/jose/'))).toBe(true);
      // Without configuration the bundled handler answers 500 LOOKUP_MISCONFIGURED: it loaded and ran.
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(outfile)}).handler({ rawPath: '/v1/spaces/s-1-x/route', requestContext: ` +
            `{ http: { method: 'GET' } } }).then((r) => process.stdout.write(JSON.stringify(r)))`,
        ],
        {
          encoding: 'utf-8',
          env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          timeout: 30_000,
        },
      );
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ statusCode: 500, body: expect.stringContaining('LOOKUP_MISCONFIGURED') });
      expect(run.stderr).toContain('LOOKUP_CONFIG_MISSING');
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  test('no runtime file imports aws-cdk-lib', () => {
    const dir = path.join(REPO_ROOT, 'lib/lookup/runtime');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      expect([file, /from ['"](aws-cdk-lib|constructs)/.test(fs.readFileSync(path.join(dir, file), 'utf-8'))]).toEqual([file, false]);
    }
  });
});
