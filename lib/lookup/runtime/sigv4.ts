import * as crypto from 'crypto';

/** AWS credentials as the SDK's providers resolve them. */
export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigV4Request {
  readonly method: string;
  readonly host: string;
  /** Absolute path, already URI-encoded, no query string (the DynamoDB JSON API posts to `/`). */
  readonly path: string;
  /** Headers to sign besides `host`, `x-amz-date` and `x-amz-security-token`; lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * AWS Signature Version 4 for one service and region, for requests without a query string (the
 * DynamoDB JSON protocol). Returns the headers to add: `x-amz-date`, `x-amz-security-token` (with
 * session credentials) and `authorization`. The derived signing key is kept per day and secret, so a
 * request costs two SHA-256 and one HMAC, not five HMACs.
 */
export class SigV4Signer {
  private key?: { readonly scope: string; readonly secret: string; readonly value: Buffer };

  constructor(
    private readonly region: string,
    private readonly service: string,
  ) {}

  sign(request: SigV4Request, credentials: SigV4Credentials, now: Date = new Date()): Record<string, string> {
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const added: Record<string, string> = { 'x-amz-date': amzDate };
    if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
    const signed: Record<string, string> = { ...request.headers, ...added, host: request.host };
    const names = Object.keys(signed).sort();
    const canonical = [
      request.method,
      request.path,
      '',
      ...names.map((n) => `${n}:${signed[n].trim().replace(/\s+/g, ' ')}`),
      '',
      names.join(';'),
      sha256Hex(request.body),
    ].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
    const signature = hmac(this.signingKey(scope, day, credentials.secretAccessKey), stringToSign).toString('hex');
    added.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    return added;
  }

  private signingKey(scope: string, day: string, secret: string): Buffer {
    if (this.key?.scope === scope && this.key.secret === secret) return this.key.value;
    const value = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), this.service), 'aws4_request');
    this.key = { scope, secret, value };
    return value;
  }
}
