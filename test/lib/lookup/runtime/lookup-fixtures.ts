// Shared fixtures of the lookup runtime tests (not a test file itself).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defineFlavor } from '../../../../lib/flavor/define-flavor';
import type { Flavor } from '../../../../lib/flavor/types';
import { createLookupDynamoClient } from '../../../../lib/lookup/runtime/dynamo-client';
import { startEmbeddedStore } from '../../../../lib/lookup/runtime/embedded-store';
import { LookupStore } from '../../../../lib/lookup/runtime/store';
import { ensureLookupTable } from '../../../../lib/lookup/runtime/table';
import type { SourceData } from '@smithy/types';
import type { CliIo } from '../../../../bin/cli-io';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const TABLE = 'flavors-lookup';

/** The three flavors of the design, defined here so the tests do not move when flavors/ changes. */
export const FLAVORS: readonly Flavor[] = [
  defineFlavor({
    name: 'global',
    residency: 'global',
    regions: [
      { region: 'us-east-1', role: 'primary' },
      { region: 'eu-west-1', role: 'fallback' },
      { region: 'ap-southeast-1', role: 'fallback' },
    ],
  }),
  defineFlavor({
    name: 'germany-belgium',
    residency: { countries: ['DE', 'BE'] },
    regions: [{ region: 'eu-central-1', role: 'primary' }],
    failover: { dns: 'manual' },
  }),
  defineFlavor({
    name: 'us-australia',
    residency: { countries: ['US', 'AU'] },
    regions: [
      { region: 'us-east-1', role: 'primary' },
      { region: 'ap-southeast-2', role: 'fallback' },
    ],
  }),
];

export const FLAVOR_MAP: ReadonlyMap<string, Flavor> = new Map(FLAVORS.map((f) => [f.name, f]));

export interface TestStore {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly store: LookupStore;
  /** Every item of the table (to prove that nothing was written). */
  items(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** An embedded dynalite with the lookup table; always `close()` it in afterAll/finally. */
export async function startTestStore(): Promise<TestStore> {
  const embedded = await startEmbeddedStore({ port: 0 });
  const client = createLookupDynamoClient({ endpoint: embedded.endpoint });
  try {
    await ensureLookupTable(client, TABLE);
  } catch (err) {
    client.destroy();
    await embedded.close();
    throw err;
  }
  return {
    endpoint: embedded.endpoint,
    client,
    store: new LookupStore({ client, tableName: TABLE }),
    items: async () => (await client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }))).Items ?? [],
    close: async () => {
      client.destroy();
      await embedded.close();
    },
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flavors-${prefix}-`));
}

/** A CliIo that records what a command prints. */
export function bufferIo(cwd = REPO_ROOT): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (l) => stdout.push(l), err: (l) => stderr.push(l), cwd, env: {}, stdout, stderr };
}

const bytes = (data: SourceData) =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the SDK's `SignatureV4` takes: the reference signer of the SigV4 tests. */
export class Sha256 {
  private readonly hash: crypto.Hash | crypto.Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? crypto.createHash('sha256') : crypto.createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}
