import * as http from 'http';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { DynamoJsonReader, DynamoReadError } from '../../../../lib/lookup/runtime/dynamo-reader';
import { keyItem } from '../../../../lib/lookup/runtime/records';
import { grantKey, spaceKey } from '../../../../lib/lookup/runtime/schema-keys';
import { LookupStore, LookupTableNotFoundError } from '../../../../lib/lookup/runtime/store';
import { Sha256, startTestStore, TABLE, type TestStore } from './lookup-fixtures';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A store stand-in on 127.0.0.1 answering the n-th request with answers[n] (the last one repeats). */
async function scriptedStore(
  answers: Answer[],
): Promise<{ endpoint: string; requests: { headers: http.IncomingHttpHeaders; body: string }[]; close(): Promise<void> }> {
  const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      answers[Math.min(requests.length, answers.length) - 1](req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const json =
  (status: number, value: unknown): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(value));
  };
const stall: Answer = () => undefined;
const reset: Answer = (req) => req.socket.destroy();
const EMPTY = { Responses: { [TABLE]: [] } };
const INPUT = { RequestItems: { [TABLE]: { Keys: [keyItem(spaceKey('s-x'))], ConsistentRead: true } } };

describe('DynamoJsonReader against the embedded store', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
    await t.store.createSpace({ spaceId: 's-reader-1', clientId: 'c-reader', flavor: 'global', homeRegion: 'us-east-1', epoch: 3 });
    await t.store.createGrant({ spaceId: 's-reader-1', userId: 'u-1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('Given a space and a grant, when both are read, then the answer is the one the SDK gets for the same request', async () => {
    const reader = new DynamoJsonReader({ endpoint: t.endpoint });
    const input = {
      RequestItems: { [TABLE]: { Keys: [keyItem(spaceKey('s-reader-1')), keyItem(grantKey('s-reader-1', 'u-1'))], ConsistentRead: true } },
    };
    const ours = await reader.batchGetItem(input);
    const sdk = await t.client.send(new BatchGetItemCommand(input));
    const sorted = (items: unknown[] | undefined) => (items ?? []).map((i) => JSON.stringify(i)).sort();
    expect(sorted(ours.Responses?.[TABLE])).toEqual(sorted(sdk.Responses?.[TABLE]));
    expect(ours.Responses?.[TABLE]).toHaveLength(2);
    reader.destroy();
  });

  test('Given the reader as the route read of a store, when the table is missing, then the store says so', async () => {
    const reader = new DynamoJsonReader({ endpoint: t.endpoint });
    const store = new LookupStore({ client: t.client, tableName: 'no-such-table', routeReader: reader });
    await expect(store.routeItems('s-reader-1', 'u-1')).rejects.toThrow(LookupTableNotFoundError);
    const routed = new LookupStore({ client: t.client, tableName: TABLE, routeReader: reader });
    expect(await routed.routeItems('s-reader-1', 'u-1')).toMatchObject({ granted: true, space: { spaceId: 's-reader-1', epoch: 3 } });
    reader.destroy();
  });
});

describe('DynamoJsonReader failures', () => {
  test.each([
    ['a 500', json(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'boom' })],
    ['throttling', json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' })],
    ['a reset connection', reset],
    ['no answer', stall],
  ])('Given %s on the first attempt, when reading, then the second attempt answers', async (_, first) => {
    const store = await scriptedStore([first, json(200, EMPTY)]);
    const reader = new DynamoJsonReader({ endpoint: store.endpoint, requestTimeoutMs: 200, maxAttempts: 2 });
    try {
      await expect(reader.batchGetItem(INPUT)).resolves.toEqual(EMPTY);
      expect(store.requests).toHaveLength(2);
    } finally {
      reader.destroy();
      await store.close();
    }
  });

  test('Given a store that never answers, when reading, then it fails after maxAttempts timeouts with a retryable TimeoutError', async () => {
    const store = await scriptedStore([stall]);
    const reader = new DynamoJsonReader({ endpoint: store.endpoint, requestTimeoutMs: 100, maxAttempts: 2 });
    const started = Date.now();
    try {
      const err = await reader.batchGetItem(INPUT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DynamoReadError);
      expect(err).toMatchObject({ name: 'TimeoutError', retryable: true });
      expect(store.requests).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      reader.destroy();
      await store.close();
    }
  });

  test('Given a request the store refuses (400 ValidationException), when reading, then it is not retried and names the error', async () => {
    const store = await scriptedStore([json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad key' })]);
    const reader = new DynamoJsonReader({ endpoint: store.endpoint, maxAttempts: 3 });
    try {
      await expect(reader.batchGetItem(INPUT)).rejects.toMatchObject({ name: 'ValidationException', message: 'bad key', retryable: false });
      expect(store.requests).toHaveLength(1);
    } finally {
      reader.destroy();
      await store.close();
    }
  });
});

describe('DynamoJsonReader with an AWS client', () => {
  test("Given the function's client with session credentials, when reading, then the request carries the SDK signer's signature", async () => {
    const store = await scriptedStore([json(200, EMPTY)]);
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/EXAMPLE', sessionToken: 'session-token' };
    const client = new DynamoDBClient({ region: 'eu-central-1', endpoint: store.endpoint, credentials });
    const reader = new DynamoJsonReader({ client });
    try {
      await expect(reader.batchGetItem(INPUT)).resolves.toEqual(EMPTY);
      const [{ headers, body }] = store.requests;
      expect(headers['x-amz-security-token']).toBe('session-token');
      const amzDate = String(headers['x-amz-date']);
      const signingDate = new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
      );
      const signed = ['content-type', 'host', 'x-amz-target'];
      const expected = await new SignatureV4({ credentials, region: 'eu-central-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false }).sign(
        {
          method: 'POST',
          protocol: 'http:',
          hostname: '127.0.0.1',
          path: '/',
          headers: Object.fromEntries(signed.map((h) => [h, String(headers[h])])),
          body,
        },
        { signingDate },
      );
      expect(headers.authorization).toBe(expected.headers.authorization);
      expect(headers.authorization).toContain('/eu-central-1/dynamodb/aws4_request');
    } finally {
      reader.destroy();
      client.destroy();
      await store.close();
    }
  });
});
