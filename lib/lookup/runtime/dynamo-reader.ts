import * as http from 'http';
import * as https from 'https';
import type { BatchGetItemCommandInput, BatchGetItemCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOOKUP_DEFAULTS } from './defaults';
import { SigV4Signer, type SigV4Credentials } from './sigv4';

/** The one read a route makes, in the SDK's shapes: what `LookupStore.routeItems` needs of a store client. */
export interface RouteReader {
  batchGetItem(input: BatchGetItemCommandInput): Promise<Pick<BatchGetItemCommandOutput, 'Responses' | 'UnprocessedKeys'>>;
}

export interface DynamoJsonReaderOptions {
  /**
   * In AWS: the service's DynamoDB client, whose region, credential chain (refreshed by the SDK) and
   * endpoint (its rules, or its own `endpoint`) the reader uses; every request is SigV4-signed.
   * Left out with `endpoint`.
   * @default none (then `endpoint` is required)
   */
  readonly client?: DynamoDBClient;
  /** A local DynamoDB-compatible store (`http://127.0.0.1:8788`): dummy credentials, nothing signed. @default the client's AWS endpoint */
  readonly endpoint?: string;
  /** @default LOOKUP_DEFAULTS.storeConnectionTimeoutMs */
  readonly connectionTimeoutMs?: number;
  /** @default LOOKUP_DEFAULTS.storeRequestTimeoutMs */
  readonly requestTimeoutMs?: number;
  /** @default LOOKUP_DEFAULTS.storeMaxAttempts */
  readonly maxAttempts?: number;
  /** @default LOOKUP_DEFAULTS.storeMaxSockets */
  readonly maxSockets?: number;
}

/** A failed store call. `name` is DynamoDB's error type (`ResourceNotFoundException`, …) or the network error's. */
export class DynamoReadError extends Error {
  constructor(
    name: string,
    message: string,
    /** Worth another attempt: 5xx, throttling, a timeout or a broken connection. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = name;
  }
}

// What dynalite and DynamoDB Local check instead of a signature (see dynamo-client.ts).
const LOCAL_AUTH = {
  authorization: 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
  'x-amz-date': '20000101T000000Z',
};
const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);
/** The SDK's retry backoff: full jitter over this base. */
const RETRY_BASE_MS = 100;

interface Target {
  readonly url: URL;
  readonly agent: http.Agent;
  readonly signer?: SigV4Signer;
}

/**
 * `BatchGetItem` over DynamoDB's JSON protocol on keep-alive sockets, for the route's one read. The
 * profile of a route put the AWS SDK's per-call machinery (middleware, schema-driven
 * (de)serialisation, endpoint rules, retry bookkeeping) at ~230 µs of CPU per call against ~70 µs for
 * the same request sent directly; this sends the request body the SDK would send and hands back the
 * SDK's output shape (DynamoDB JSON items). Timeouts, attempts and retryable errors follow the store
 * client's (`createLookupDynamoClient`): connect and response timeouts, `maxAttempts` with the SDK's
 * full-jitter backoff on 5xx, throttling and network errors.
 */
export class DynamoJsonReader implements RouteReader {
  private target?: Promise<Target>;
  private readonly requestTimeoutMs: number;
  private readonly connectionTimeoutMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: DynamoJsonReaderOptions) {
    if (!options.client && !options.endpoint) throw new Error('DynamoJsonReader needs a client (AWS) or an endpoint (local store).');
    this.requestTimeoutMs = options.requestTimeoutMs ?? LOOKUP_DEFAULTS.storeRequestTimeoutMs;
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? LOOKUP_DEFAULTS.storeConnectionTimeoutMs;
    this.maxAttempts = options.maxAttempts ?? LOOKUP_DEFAULTS.storeMaxAttempts;
  }

  batchGetItem(input: BatchGetItemCommandInput): Promise<Pick<BatchGetItemCommandOutput, 'Responses' | 'UnprocessedKeys'>> {
    return this.read('BatchGetItem', { RequestItems: input.RequestItems }) as Promise<
      Pick<BatchGetItemCommandOutput, 'Responses' | 'UnprocessedKeys'>
    >;
  }

  /** One read of the DynamoDB JSON API (reads only: a failed attempt is retried), answering its parsed output. */
  async read(operation: 'BatchGetItem' | 'GetItem', input: object): Promise<unknown> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.post(`DynamoDB_20120810.${operation}`, body);
      } catch (err) {
        if (!(err instanceof DynamoReadError && err.retryable) || attempt >= this.maxAttempts) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  /** Closes the idle keep-alive sockets. */
  destroy(): void {
    void this.target?.then(
      (t) => t.agent.destroy(),
      () => undefined,
    );
  }

  private resolveTarget(): Promise<Target> {
    // Resolved once: the region and the endpoint do not change in a running environment.
    this.target ??= (async () => {
      const agentOptions = { keepAlive: true, maxSockets: this.options.maxSockets ?? LOOKUP_DEFAULTS.storeMaxSockets };
      if (this.options.endpoint) return { url: new URL(this.options.endpoint), agent: new http.Agent(agentOptions) };
      const config = this.options.client!.config;
      const region = await config.region();
      // The SDK's endpoint rules, once: the regional endpoint of the partition, or the client's own `endpoint`.
      const custom = config.isCustomEndpoint && config.endpoint ? await config.endpoint() : undefined;
      const endpoint = custom ? `${custom.protocol}//${custom.hostname}${custom.port ? `:${custom.port}` : ''}${custom.path}` : undefined;
      const url = new URL(config.endpointProvider({ Region: region, Endpoint: endpoint }).url.href);
      const agent = url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
      return { url, agent, signer: new SigV4Signer(region, 'dynamodb') };
    })();
    this.target.catch(() => (this.target = undefined));
    return this.target;
  }

  private async post(operation: string, body: string): Promise<unknown> {
    const target = await this.resolveTarget();
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': operation };
    if (target.signer) {
      const credentials: SigV4Credentials = await this.options.client!.config.credentials();
      Object.assign(headers, target.signer.sign({ method: 'POST', host: target.url.host, path: target.url.pathname, headers, body }, credentials));
    } else {
      Object.assign(headers, LOCAL_AUTH);
    }
    headers['content-length'] = String(Buffer.byteLength(body));
    return this.send(target, headers, body);
  }

  private send(target: Target, headers: Record<string, string>, body: string): Promise<unknown> {
    const { url } = target;
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      // Exactly one outcome, whichever comes first: the answer, an error, a timeout or a closed socket.
      let settled = false;
      let answered = false;
      const settle = (err: DynamoReadError | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!err) return resolve(value);
        reject(err);
        // A socket left mid-request cannot be reused; one that carried a whole error answer can.
        if (!answered) req.destroy();
      };
      // Built only when it is the outcome: 'close' follows every answer, and an Error captures a stack.
      const fail = (name: string, message: string, retryable: boolean) => settled || settle(new DynamoReadError(name, message, retryable));
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: target.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => fail('NetworkError', err.message, true));
        res.on('close', () => fail('NetworkError', 'the connection closed before the answer ended', true));
        res.on('end', () => {
          answered = true;
          let parsed: { __type?: string; message?: string; Message?: string } | undefined;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf-8')) as typeof parsed;
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status === 200 && parsed) return settle(undefined, parsed);
          const type = parsed?.__type?.split('#').pop() || `HTTP${status}`;
          fail(type, parsed?.message ?? parsed?.Message ?? `status ${status}`, status >= 500 || THROTTLING.has(type));
        });
      });
      const timer = setTimeout(() => fail('TimeoutError', `no answer within ${this.requestTimeoutMs} ms`, true), this.requestTimeoutMs);
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connect = setTimeout(() => fail('TimeoutError', `no connection within ${this.connectionTimeoutMs} ms`, true), this.connectionTimeoutMs);
        socket.once('connect', () => clearTimeout(connect));
        socket.once('close', () => clearTimeout(connect));
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.name, err.message, true));
      req.on('close', () => fail('NetworkError', 'the connection closed without an answer', true));
      req.end(body);
    });
  }
}
