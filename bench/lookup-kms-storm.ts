// Cold-start storm against the KMS quota, for `bench:lookup`: `environments` execution
// environments start at once, each certifying its token-signing key with one KMS Sign through the
// real SDK client (with the function's retry settings) against the KMS stand-in (latency, token
// bucket, ThrottlingException). Reports how long environments waited for their key and how many
// gave up: what the first request of a cold environment would see.
import { KMSClient } from '@aws-sdk/client-kms';
import { LOOKUP_DEFAULTS } from '../lib/lookup/runtime/defaults';
import { DelegatedSigner } from '../lib/lookup/runtime/delegated-signer';
import { KmsSigner } from '../lib/lookup/runtime/kms-signer';
import { startKmsStandIn } from './kms-stand-in';

export interface KmsStormResult {
  readonly environments: number;
  readonly kmsRatePerSecond: number;
  readonly certified: number;
  /** Environments whose first certification failed after the SDK's retries (their first request: 503, retried by the next). */
  readonly failed: number;
  readonly throttledCalls: number;
  readonly waitP50Ms: number;
  readonly waitP99Ms: number;
  readonly waitMaxMs: number;
}

export async function kmsColdStartStorm(environments: number, kms: { latencyMs: number; ratePerSecond: number }): Promise<KmsStormResult> {
  const standIn = await startKmsStandIn(kms);
  const clients: KMSClient[] = [];
  try {
    const waits: number[] = [];
    let failed = 0;
    const now = Math.floor(Date.now() / 1000);
    await Promise.all(
      Array.from({ length: environments }, async () => {
        const client = new KMSClient({
          endpoint: standIn.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: LOOKUP_DEFAULTS.kmsMaxAttempts,
        });
        clients.push(client);
        const signer = new DelegatedSigner({
          root: new KmsSigner({ client, keyId: 'arn:aws:kms:us-east-1:111111111111:key/bench-root' }),
          region: 'us-east-1',
          issuer: LOOKUP_DEFAULTS.tokenIssuer,
        });
        const t0 = Date.now();
        try {
          await signer.keyFor(now, now + LOOKUP_DEFAULTS.tokenTtlSeconds);
          waits.push(Date.now() - t0);
        } catch {
          failed++;
        }
      }),
    );
    waits.sort((a, b) => a - b);
    const at = (p: number) => waits[Math.min(waits.length - 1, Math.floor((p / 100) * waits.length))] ?? 0;
    return {
      environments,
      kmsRatePerSecond: kms.ratePerSecond,
      certified: waits.length,
      failed,
      throttledCalls: standIn.counts.throttled,
      waitP50Ms: at(50),
      waitP99Ms: at(99),
      waitMaxMs: waits.at(-1) ?? 0,
    };
  } finally {
    for (const client of clients) client.destroy();
    await standIn.close();
  }
}
