/**
 * Entry point of the lookup service's Lambda function (runtime `nodejs22.x`, bundled by esbuild):
 * `export const handler`. It takes API Gateway HTTP API events (payload format 2.0) and Lambda
 * function URL events, which have the same shape.
 *
 * This file is the function's `bin/`: the ONLY place of the runtime that reads environment
 * variables. Everything below it takes values and SDK clients as parameters.
 *
 * | variable                   | required | meaning                                                                    |
 * | -------------------------- | -------- | -------------------------------------------------------------------------- |
 * | `LOOKUP_TABLE_NAME`        | yes      | the global lookup table (the replica in the function's region is used)      |
 * | `LOOKUP_FLAVORS`           | no       | overrides the flavors `LookupService` compiles into the bundle (`lookupFlavorsJson`) |
 * | `LOOKUP_SIGNING_KEY_ID`    | yes      | KMS key id or ARN: asymmetric `ECC_NIST_P256`, usage `SIGN_VERIFY`          |
 * | `LOOKUP_IDENTITY_ISSUER`   | yes      | `iss` of the callers' identity tokens                                       |
 * | `LOOKUP_IDENTITY_JWKS_URL` | yes      | `https://` URL of that issuer's JWKS (fetched once, then cached)            |
 * | `LOOKUP_IDENTITY_AUDIENCE` | yes      | `aud` identity tokens must carry (only the local dev server runs without one) |
 * | `LOOKUP_ENDPOINT_ZONE`     | yes      | DNS zone of flavor endpoints: tokens are for `https://<region>.<flavor>.<zone>` |
 * | `LOOKUP_TOKEN_ISSUER`      | no       | `iss` of flavor tokens; default `flavors-lookup`                            |
 * | `LOOKUP_TOKEN_TTL_SECONDS` | no       | flavor token lifetime, 1–300; default 300                                   |
 *
 * `AWS_REGION` is set by Lambda and read by the SDK clients; it is also written into the
 * certificates of the function's token-signing keys. Permissions the function needs:
 * `dynamodb:BatchGetItem` on the table; `kms:Sign` (ECDSA_SHA_256, RAW) and `kms:GetPublicKey` on
 * the signing key. Nothing else (no writes: the admin CLI writes records).
 *
 * KMS is the root of trust, not on the request path: each execution environment generates its own
 * ES256 key at start, has the KMS key certify it once (one `Sign`, started during the init phase),
 * and signs tokens locally; see `delegated-signer.ts` and the README's "Token signing".
 *
 * A missing or invalid variable does not crash the function: every request then answers 500
 * `LOOKUP_MISCONFIGURED` and the reason is logged once, naming the variable.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { JWTVerifyGetKey } from 'jose';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import { DelegatedSigner } from './delegated-signer';
import { createLookupDynamoClient } from './dynamo-client';
import { DynamoJsonReader, type RouteReader } from './dynamo-reader';
import { parseLookupFlavors } from './flavor-config';
import { IdentityVerifier, remoteIdentityJwks } from './identity';
import { KmsSigner } from './kms-signer';
import { createLookupHandler, errorResponse, type LookupHandler, type LookupLogEntry, type LookupResponse } from './route-handler';
import { LookupStore } from './store';

/** The fields of an HTTP API (2.0) / function URL event the service reads. */
export interface LambdaHttpEvent {
  readonly rawPath?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly requestContext?: { readonly http?: { readonly method?: string; readonly path?: string } };
}

export interface LambdaHttpResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

/** Clients and hooks the function builds itself in AWS; tests pass their own. */
export interface LambdaDependencies {
  readonly dynamo?: DynamoDBClient;
  /**
   * The route's read. @default a `DynamoJsonReader` over the function's own client (region,
   * credentials, endpoint); when only `dynamo` is given, that client's BatchGetItemCommand
   */
  readonly routeReader?: RouteReader;
  readonly kms?: KMSClient;
  readonly identityJwks?: JWTVerifyGetKey;
  readonly log?: (entry: LookupLogEntry) => void;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new FlavorsError('LOOKUP_CONFIG_MISSING', `environment variable ${name} is not set.`);
  return value;
}

function buildHandler(env: Env, deps: LambdaDependencies, log: (entry: LookupLogEntry) => void): LookupHandler {
  const tableName = required(env, 'LOOKUP_TABLE_NAME');
  const flavors = parseLookupFlavors(env.LOOKUP_FLAVORS);
  const keyId = required(env, 'LOOKUP_SIGNING_KEY_ID');
  const issuer = required(env, 'LOOKUP_IDENTITY_ISSUER');
  const jwksUrl = required(env, 'LOOKUP_IDENTITY_JWKS_URL');
  // In AWS a token minted for another application of the issuer must not open the service.
  const audience = required(env, 'LOOKUP_IDENTITY_AUDIENCE');
  if (!jwksUrl.startsWith('https://')) throw new FlavorsError('LOOKUP_CONFIG_INVALID', 'LOOKUP_IDENTITY_JWKS_URL must be an https:// URL.');
  const endpointZone = required(env, 'LOOKUP_ENDPOINT_ZONE');
  const ttlText = env.LOOKUP_TOKEN_TTL_SECONDS?.trim();
  const tokenTtlSeconds = ttlText ? Number(ttlText) : LOOKUP_DEFAULTS.tokenTtlSeconds;
  const tokenIssuer = env.LOOKUP_TOKEN_ISSUER?.trim() || LOOKUP_DEFAULTS.tokenIssuer;
  const signer = new DelegatedSigner({
    root: new KmsSigner({ client: deps.kms ?? new KMSClient({ maxAttempts: LOOKUP_DEFAULTS.kmsMaxAttempts }), keyId }),
    region: env.AWS_REGION?.trim() || 'unknown',
    issuer: tokenIssuer,
    log,
  });
  const dynamo = deps.dynamo ?? createLookupDynamoClient();
  const routeReader = deps.routeReader ?? (deps.dynamo ? undefined : new DynamoJsonReader({ client: dynamo }));
  const handler = createLookupHandler({
    store: new LookupStore({ client: dynamo, tableName, routeReader }),
    flavors,
    identity: new IdentityVerifier({ issuer, audience, jwks: deps.identityJwks ?? remoteIdentityJwks(jwksUrl) }),
    signer,
    endpointZone,
    tokenIssuer,
    tokenTtlSeconds,
    log,
  });
  // Certify the first key during the init phase, before a request waits for it. A failure is not
  // lost: the first request that needs the key asks KMS again, and answers 503 if that fails too.
  signer.renew().catch(() => undefined);
  return handler;
}

// Lambda's JSON log format takes the level from the console method: key certifications are info.
const jsonLog = (entry: LookupLogEntry) => (entry.level === 'info' ? console.info : console.error)(JSON.stringify({ level: 'error', ...entry }));

/** Builds the Lambda handler from an environment (tests pass a plain object). */
export function createLambdaHandler(env: Env, deps: LambdaDependencies = {}): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  const log = deps.log ?? jsonLog;
  let handler: LookupHandler | undefined;
  let misconfigured: FlavorsError | undefined;
  try {
    handler = buildHandler(env, deps, log);
  } catch (err) {
    misconfigured = err instanceof FlavorsError ? err : new FlavorsError('LOOKUP_CONFIG_INVALID', String(err));
  }
  let logged = false;
  const toResult = (r: LookupResponse): LambdaHttpResult => ({ statusCode: r.status, headers: r.headers, body: r.body, isBase64Encoded: false });

  return async (event) => {
    if (!handler) {
      if (!logged) log({ code: misconfigured!.code, message: misconfigured!.message });
      logged = true;
      return toResult(errorResponse(500, 'LOOKUP_MISCONFIGURED', 'the lookup service is misconfigured; the operators have been told.'));
    }
    const response = await handler({
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
      headers: event.headers ?? {},
    });
    return toResult(response);
  };
}

/**
 * The flavors' routing data, compiled into the bundle by `LookupService` (esbuild `define`):
 * Lambda's 4 KB environment cannot hold fifty flavors. Undeclared outside a bundle.
 */
declare const LOOKUP_FLAVORS_BUNDLED: string | undefined;

/** The function's handler: configured from this process's environment once per execution environment. */
export const handler = createLambdaHandler({
  LOOKUP_FLAVORS: typeof LOOKUP_FLAVORS_BUNDLED === 'string' ? LOOKUP_FLAVORS_BUNDLED : undefined,
  ...process.env,
});
