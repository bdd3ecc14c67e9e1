// A stand-in for AWS KMS on 127.0.0.1 for the lookup benchmark: it speaks the KMS JSON protocol
// (TrentService.Sign and GetPublicKey) to the real SDK client, adds a fixed latency to every call,
// and enforces KMS's asymmetric (ECC) request quota with a token bucket, answering
// ThrottlingException beyond it, as KMS does. The key is a local P-256 key.
import * as crypto from 'crypto';
import * as http from 'http';

export interface KmsStandInOptions {
  /** Added to every call, like a network round trip to KMS. */
  readonly latencyMs: number;
  /** Sign and GetPublicKey requests per second (KMS's shared ECC quota: 300 by default). */
  readonly ratePerSecond: number;
  /** Bucket size (how many calls may arrive at once). @default ratePerSecond */
  readonly burst?: number;
}

export interface KmsStandIn {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a KMSClient. */
  readonly endpoint: string;
  /** Calls answered per operation, and calls refused with ThrottlingException. */
  readonly counts: { sign: number; getPublicKey: number; throttled: number };
  close(): Promise<void>;
}

export async function startKmsStandIn(options: KmsStandInOptions): Promise<KmsStandIn> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const burst = options.burst ?? options.ratePerSecond;
  let tokens = burst;
  let refilledAt = process.hrtime.bigint();
  const take = (): boolean => {
    const now = process.hrtime.bigint();
    tokens = Math.min(burst, tokens + (Number(now - refilledAt) / 1e9) * options.ratePerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const counts = { sign: 0, getPublicKey: 0, throttled: 0 };
  const answer = (res: http.ServerResponse, status: number, body: unknown) =>
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    }, options.latencyMs);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf-8') || '{}') as { KeyId?: string; Message?: string };
      if (!take()) {
        counts.throttled++;
        answer(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
      } else if (operation === 'Sign') {
        counts.sign++;
        const signature = crypto.sign('sha256', Buffer.from(input.Message ?? '', 'base64'), { key: privateKey, dsaEncoding: 'der' });
        answer(res, 200, { KeyId: input.KeyId, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
      } else if (operation === 'GetPublicKey') {
        counts.getPublicKey++;
        answer(res, 200, {
          KeyId: input.KeyId,
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
          PublicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        });
      } else {
        answer(res, 400, { __type: 'UnsupportedOperationException', message: `${operation} is not part of the stand-in` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
