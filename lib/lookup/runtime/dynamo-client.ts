import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as http from 'http';
import * as https from 'https';
import { LOOKUP_DEFAULTS } from './defaults';

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
 * and short timeouts, so a stalled store turns into a quick 503 instead of a hung request. With an
 * `endpoint` (a local store) it uses dummy credentials and never reaches AWS.
 */
export function createLookupDynamoClient(options: LookupDynamoClientOptions = {}): DynamoDBClient {
  const local = options.endpoint !== undefined;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? LOOKUP_DEFAULTS.storeMaxSockets };
  return new DynamoDBClient({
    ...(local ? {
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    } : options.region ? { region: options.region } : {}),
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
}
