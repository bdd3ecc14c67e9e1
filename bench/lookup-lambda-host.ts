// The lookup service's real Lambda handler (lib/lookup/runtime/lambda.ts, `createLambdaHandler`)
// behind a small HTTP front that plays API Gateway and the Lambda service for `bench:lookup`:
// every request becomes an HTTP API (2.0) event for an idle execution environment; when none is
// idle a new one starts (a cold start: its own clients and its own token-signing key, certified by
// the KMS stand-in), up to `maxEnvironments`; beyond that requests queue, as Lambda's concurrency
// limit would throttle them. Started by bench/lookup.ts; prints one JSON line when ready.
//
//   tsx bench/lookup-lambda-host.ts '{"storeUrl":…,"tableName":…,"identityJwksUrl":…,"flavorsDir":…}'
import * as http from 'http';
import * as path from 'path';
import { KMSClient } from '@aws-sdk/client-kms';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { loadFlavorsOrThrow } from '../lib/flavor/load-flavors';
import { LOOKUP_DEFAULTS } from '../lib/lookup/runtime/defaults';
import { createLookupDynamoClient } from '../lib/lookup/runtime/dynamo-client';
import { DynamoJsonReader } from '../lib/lookup/runtime/dynamo-reader';
import { lookupFlavorsJson } from '../lib/lookup/runtime/flavor-config';
import { createLambdaHandler, type LambdaHttpEvent, type LambdaHttpResult } from '../lib/lookup/runtime/lambda';
import { startKmsStandIn } from './kms-stand-in';

interface HostOptions {
  readonly storeUrl: string;
  readonly tableName: string;
  /** The dev server's identity JWKS (plain http on 127.0.0.1, so it is fetched here and passed in). */
  readonly identityJwksUrl: string;
  readonly flavorsDir: string;
  readonly maxEnvironments: number;
  readonly kms: { readonly latencyMs: number; readonly ratePerSecond: number };
}

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as HostOptions;
  const kms = await startKmsStandIn(options.kms);
  const identityJwks = createLocalJWKSet((await (await fetch(options.identityJwksUrl)).json()) as JSONWebKeySet);
  const env = {
    AWS_REGION: 'us-east-1',
    LOOKUP_TABLE_NAME: options.tableName,
    LOOKUP_FLAVORS: lookupFlavorsJson(loadFlavorsOrThrow(path.resolve(options.flavorsDir))),
    LOOKUP_SIGNING_KEY_ID: 'arn:aws:kms:us-east-1:111111111111:key/bench-root',
    LOOKUP_IDENTITY_ISSUER: LOOKUP_DEFAULTS.devIdentityIssuer,
    LOOKUP_IDENTITY_AUDIENCE: LOOKUP_DEFAULTS.devIdentityAudience,
    // Required to be https by the function; the key set itself is passed in (identityJwks).
    LOOKUP_IDENTITY_JWKS_URL: 'https://identity.invalid/.well-known/jwks.json',
    LOOKUP_ENDPOINT_ZONE: LOOKUP_DEFAULTS.endpointZone,
  };
  const errors: string[] = [];
  /** One cold start: what Lambda does when no environment is idle. */
  const coldStart = (): Handler =>
    createLambdaHandler(env, {
      dynamo: createLookupDynamoClient({ endpoint: options.storeUrl }),
      // As in AWS: the route's read without the SDK's per-call machinery (lambda.ts's default there).
      routeReader: new DynamoJsonReader({ endpoint: options.storeUrl }),
      kms: new KMSClient({
        endpoint: kms.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: LOOKUP_DEFAULTS.kmsMaxAttempts,
      }),
      identityJwks,
      log: (entry) => {
        if (entry.level !== 'info' && errors.length < 20) errors.push(`${entry.code}: ${entry.message}`);
      },
    });

  const idle: Handler[] = [];
  const waiting: ((handler: Handler) => void)[] = [];
  let environments = 0;
  let invocations = 0;
  const acquire = (): Promise<Handler> => {
    const handler = idle.pop();
    if (handler) return Promise.resolve(handler);
    if (environments < options.maxEnvironments) {
      environments++;
      return Promise.resolve(coldStart());
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (handler: Handler) => {
    const next = waiting.shift();
    if (next) next(handler);
    else idle.push(handler);
  };

  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/__bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ environments, invocations, kms: kms.counts, errors }));
      return;
    }
    const rawPath = (req.url ?? '/').split('?', 1)[0];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    void acquire().then(async (handler) => {
      invocations++;
      try {
        const result = await handler({ rawPath, headers, requestContext: { http: { method: req.method ?? 'GET', path: rawPath } } });
        res.writeHead(result.statusCode, result.headers);
        res.end(result.body);
      } finally {
        release(handler);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  process.once('SIGINT', () => {
    server.closeAllConnections();
    server.close(() => void kms.close().then(() => process.exit(0)));
  });
}

main().catch((err) => {
  console.error(JSON.stringify({ bench: 'lookup-lambda-host', error: err instanceof Error ? err.message : String(err) }));
  process.exit(1);
});
