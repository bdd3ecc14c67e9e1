import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as http from 'http';
import * as https from 'https';
import { LOOKUP_DEFAULTS } from './defaults';

/** What a local store (dynalite, DynamoDB Local) is shown instead of a signature: it checks the form, not the value. */
const LOCAL_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local';
const LOCAL_AMZ_DATE = '20000101T000000Z';

export interface LookupDynamoClientOptions {
  /** Store URL, e.g. `http://127.0.0.1:8788` for the dev store. @default the regional DynamoDB endpoint */
  readonly endpoint?: string;
  /** @default the SDK's region resolution (AWS_REGION in Lambda); 'us-east-1' with an `endpoint` */
  readonly region?: string;
  /** @default LOOKUP_DEFAULTS.storeConnectionTimeoutMs */
  readonly connectionTimeoutMs?: number;
  /** @default LOOKUP_DEFAULTS.storeRequestTimeoutMs */
  readonly requestTimeoutMs?: number;
  /** @default LOOKUP_DEFAULTS.storeMaxAttempts */
  readonly maxAttempts?: number;
  /** @default LOOKUP_DEFAULTS.storeMaxSockets */
  readonly maxSockets?: number;
}

/**
 * A DynamoDB client for the lookup service: keep-alive sockets (no TCP/TLS handshake per request)
 * and short timeouts, so a stalled store turns into a quick 503 instead of a hung request; the
 * per-call work the profile showed and routing does not need is switched off (see below). With an
 * `endpoint` (a local store) it uses dummy credentials, signs nothing and never reaches AWS.
 */
export function createLookupDynamoClient(options: LookupDynamoClientOptions = {}): DynamoDBClient {
  const local = options.endpoint !== undefined;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? LOOKUP_DEFAULTS.storeMaxSockets };
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          // A local store checks no signature and the credentials are dummies: SigV4 (a canonical
          // request and five HMACs per call, ~7% of a route in the profile) would prove nothing. The
          // store still wants the headers' presence (dynalite answers 400 without them).
          // One fixed endpoint: the SDK's endpoint rules (FIPS, dual-stack, account endpoints) are
          // for AWS, and evaluating them costs ~4% of a route.
          endpointProvider: ((url: URL) => () => ({ url }))(new URL(options.endpoint)),
          signer: {
            sign: (request) => {
              request.headers.authorization = LOCAL_AUTHORIZATION;
              request.headers['x-amz-date'] = LOCAL_AMZ_DATE;
              return Promise.resolve(request);
            },
          },
        }
      : options.region
        ? { region: options.region }
        : {}),
    // The middleware stack is resolved once per command type, not rebuilt on every call (~4%).
    cacheMiddleware: true,
    maxAttempts: options.maxAttempts ?? LOOKUP_DEFAULTS.storeMaxAttempts,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? LOOKUP_DEFAULTS.storeConnectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? LOOKUP_DEFAULTS.storeRequestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    },
  });
  // The SDK's logger middleware filters every input and output for its (no-op) logger on each
  // call; the service logs its own events (route-handler's log), so the filtering is pure cost.
  client.middlewareStack.remove('loggerMiddleware');
  // A local store does not read the SDK's user agent; building it costs ~2% of a route.
  if (local) client.middlewareStack.remove('getUserAgentMiddleware');
  return client;
}
