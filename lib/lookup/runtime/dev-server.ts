import type * as http from 'http';
import * as path from 'path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FlavorsError } from '../../errors';
import type { Flavor } from '../../flavor/types';
import { LOOKUP_DEFAULTS } from './defaults';
import { DEV_STATE_FILES, DevIdentityIssuer, loadOrCreateDevKey } from './dev-identity';
import { createLookupDynamoClient } from './dynamo-client';
import { DynamoJsonReader } from './dynamo-reader';
import { startEmbeddedStore, type EmbeddedStore } from './embedded-store';
import { close, createLookupHttpServer, listen } from './http-server';
import { IdentityVerifier, remoteIdentityJwks } from './identity';
import { createLookupHandler, type LookupHandler, type LookupLogEntry } from './route-handler';
import { devSeedPlan, seedLookupStore, type DevSeedPlan } from './seed';
import { LocalKeySigner } from './signer';
import { LookupStore } from './store';
import { DEFAULT_LOOKUP_TABLE_NAME } from './schema-keys';
import { ensureLookupTable } from './table';

export interface LookupDevServerOptions {
  readonly flavors: readonly Flavor[];
  /** Folder of the dev keys (absolute). */
  readonly stateDir: string;
  /** @default LOOKUP_DEFAULTS.devHost */
  readonly host?: string;
  /** 0 picks a free port. @default LOOKUP_DEFAULTS.devPort */
  readonly port?: number;
  /** Port of the embedded store; 0 picks a free port. @default LOOKUP_DEFAULTS.devStorePort */
  readonly storePort?: number;
  /** Use this running store instead of starting an embedded one. @default an embedded dynalite */
  readonly storeEndpoint?: string;
  /** @default DEFAULT_LOOKUP_TABLE_NAME */
  readonly tableName?: string;
  /** Create the table (if missing) and write the sample clients, spaces and grants. @default true */
  readonly seed?: boolean;
  /** @default LOOKUP_DEFAULTS.endpointZone */
  readonly endpointZone?: string;
  /** Verify identity tokens of this issuer instead of the dev issuer. @default the dev issuer */
  readonly identity?: { readonly issuer: string; readonly jwksUrl: string; readonly audience?: string };
  /** Store client timeouts. @default LOOKUP_DEFAULTS */
  readonly storeRequestTimeoutMs?: number;
  readonly storeMaxAttempts?: number;
  readonly log?: (entry: LookupLogEntry) => void;
}

export interface LookupDevServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly storeUrl: string;
  /** Whether the store is the embedded one (it dies with the server). */
  readonly embeddedStore: boolean;
  readonly tableName: string;
  /** What was seeded (empty lists when seeding was off). */
  readonly seed: DevSeedPlan;
  /** The development identity provider (mints tokens the server accepts). */
  readonly devIdentity: DevIdentityIssuer;
  /** Stops the HTTP server, then the embedded store. */
  close(): Promise<void>;
}

export const DEV_IDENTITY_JWKS_PATH = '/dev/identity/jwks.json';

/**
 * `flavors lookup serve`: the lookup service on 127.0.0.1 against an embedded DynamoDB-compatible
 * store, with a local signing key and a development identity issuer, seeded with sample data.
 * Everything it starts is stopped by `close()`, also when start-up fails half-way.
 */
export async function startLookupDevServer(options: LookupDevServerOptions): Promise<LookupDevServer> {
  const host = options.host ?? LOOKUP_DEFAULTS.devHost;
  const tableName = options.tableName ?? DEFAULT_LOOKUP_TABLE_NAME;
  const zone = options.endpointZone ?? LOOKUP_DEFAULTS.endpointZone;
  let embedded: EmbeddedStore | undefined;
  let client: DynamoDBClient | undefined;
  let reader: DynamoJsonReader | undefined;
  let server: http.Server | undefined;
  const stop = async () => {
    if (server) await close(server);
    client?.destroy();
    reader?.destroy();
    await embedded?.close();
  };
  try {
    const devIdentity = await DevIdentityIssuer.load(options.stateDir);
    const signingKey = await loadOrCreateDevKey(path.join(options.stateDir, DEV_STATE_FILES.signingKey), 'lookup-dev');
    const signer = await LocalKeySigner.fromJwk(signingKey.privateJwk);

    if (!options.storeEndpoint) embedded = await startEmbeddedStore({ host, port: options.storePort ?? LOOKUP_DEFAULTS.devStorePort });
    const storeUrl = options.storeEndpoint ?? embedded!.endpoint;
    const storeOptions = { endpoint: storeUrl, requestTimeoutMs: options.storeRequestTimeoutMs, maxAttempts: options.storeMaxAttempts };
    client = createLookupDynamoClient(storeOptions);
    reader = new DynamoJsonReader(storeOptions);
    const store = new LookupStore({ client, tableName, routeReader: reader });
    const admin = { store, flavors: options.flavors };
    const plan = options.seed === false ? { clients: [], spaces: [], grants: [] } : devSeedPlan(options.flavors);
    if (options.seed !== false) {
      await ensureLookupTable(client, tableName);
      await seedLookupStore(admin, plan, zone);
    }

    const identity = options.identity
      ? new IdentityVerifier({
          issuer: options.identity.issuer,
          audience: options.identity.audience,
          jwks: remoteIdentityJwks(options.identity.jwksUrl),
        })
      : new IdentityVerifier({ issuer: devIdentity.issuer, audience: devIdentity.audience, jwks: devIdentity.jwks() });
    const lookup = createLookupHandler({ store, flavors: options.flavors, identity, signer, endpointZone: zone, log: options.log });
    const identityJwks = JSON.stringify(devIdentity.jwks());
    const handler: LookupHandler = async (request) =>
      request.method === 'GET' && request.path.split('?', 1)[0] === DEV_IDENTITY_JWKS_PATH
        ? { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: identityJwks }
        : lookup(request);
    server = createLookupHttpServer(handler);
    const port = await listen(server, options.port ?? LOOKUP_DEFAULTS.devPort, host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new FlavorsError(
          'LOOKUP_PORT_IN_USE',
          `port ${options.port ?? LOOKUP_DEFAULTS.devPort} on ${host} is in use (another lookup serve?); stop it or pass --port <port>.`,
        );
      }
      throw err;
    });
    return { url: `http://${host}:${port}`, storeUrl, embeddedStore: embedded !== undefined, tableName, seed: plan, devIdentity, close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
