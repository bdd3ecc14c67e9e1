import { serve, type ServerType } from '@hono/node-server';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FlavorsError } from '../errors';
import { DevIdentityIssuer } from '../lookup/runtime/dev-identity';
import { createLookupDynamoClient } from '../lookup/runtime/dynamo-client';
import { startEmbeddedStore, type EmbeddedStore } from '../lookup/runtime/embedded-store';
import { IdentityVerifier, remoteIdentityJwks } from '../lookup/runtime/identity';
import { devSeedPlan, seedLookupStore, type DevSeedPlan } from '../lookup/runtime/seed';
import { LookupStore } from '../lookup/runtime/store';
import { ensureLookupTable } from '../lookup/runtime/table';
import { createPortalApp } from './app';
import type { PortalDeps } from './context';
import { PORTAL_DEFAULTS } from './defaults';
import type { SpaceMoveService } from './space-move-service';
import type { LookupTableRef } from '../ops/fencing';
import { randomToken } from './session';

export interface PortalServerOptions extends Omit<PortalDeps, 'store' | 'table' | 'identity' | 'devIdentity' | 'csrfSecret' | 'spaceMove'> {
  /** The space move over the portal's lookup table. @default the move pages say it is unavailable */
  readonly spaceMoveFor?: (table: LookupTableRef) => SpaceMoveService;
  /** Folder of the dev identity key (shared with `lookup serve` and `dev-token`). */
  readonly stateDir: string;
  /** 0 picks a free port. @default PORTAL_DEFAULTS.port */
  readonly port?: number;
  /** Use this running lookup store instead of an embedded one. @default an embedded dynalite, seeded */
  readonly storeEndpoint?: string;
  readonly tableName: string;
  /** Verify this issuer's tokens instead of the dev issuer's (no sign-in page then). @default the dev issuer */
  readonly identityProvider?: { readonly issuer: string; readonly jwksUrl: string; readonly audience?: string };
}

export interface PortalServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly storeUrl: string;
  readonly seed: DevSeedPlan;
  /** Stops the HTTP server, then the embedded store. */
  close(): Promise<void>;
}

/**
 * `flavors portal`: the portal on 127.0.0.1 over the local lookup store (an embedded, seeded
 * dynalite unless `storeEndpoint` is given), signing in with the dev identity issuer. Everything it
 * starts is stopped by `close()`, also when start-up fails half-way.
 */
export async function startPortalServer(options: PortalServerOptions): Promise<PortalServer> {
  let embedded: EmbeddedStore | undefined;
  let client: DynamoDBClient | undefined;
  let server: ServerType | undefined;
  const stop = async () => {
    if (server)
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    client?.destroy();
    await embedded?.close();
  };
  try {
    const devIdentity = await DevIdentityIssuer.load(options.stateDir);
    if (!options.storeEndpoint) embedded = await startEmbeddedStore({ host: PORTAL_DEFAULTS.host, port: 0 });
    const storeUrl = options.storeEndpoint ?? embedded!.endpoint;
    client = createLookupDynamoClient({ endpoint: storeUrl });
    const store = new LookupStore({ client, tableName: options.tableName });
    let seed: DevSeedPlan = { clients: [], spaces: [], grants: [] };
    if (embedded) {
      seed = devSeedPlan(options.flavors);
      await ensureLookupTable(client, options.tableName);
      await seedLookupStore({ store, flavors: options.flavors }, seed, options.endpointZone);
    }
    const idp = options.identityProvider;
    const identity = idp
      ? new IdentityVerifier({ issuer: idp.issuer, audience: idp.audience, jwks: remoteIdentityJwks(idp.jwksUrl) })
      : new IdentityVerifier({ issuer: devIdentity.issuer, audience: devIdentity.audience, jwks: devIdentity.jwks() });
    const table = { dynamodb: client, tableName: options.tableName };
    const app = createPortalApp({
      ...options,
      store,
      table,
      identity,
      spaceMove: options.spaceMoveFor?.(table),
      devIdentity: idp ? undefined : devIdentity,
      csrfSecret: Buffer.from(randomToken(), 'base64url'),
    });
    const port = await new Promise<number>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: PORTAL_DEFAULTS.host, port: options.port ?? PORTAL_DEFAULTS.port }, (info) => resolve(info.port));
      server = s;
      s.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new FlavorsError(
                'PORTAL_PORT_IN_USE',
                `port ${options.port ?? PORTAL_DEFAULTS.port} on ${PORTAL_DEFAULTS.host} is in use (another portal?); stop it or pass --port <port>.`,
              )
            : err,
        ),
      );
    });
    return { url: `http://${PORTAL_DEFAULTS.host}:${port}`, storeUrl, seed, close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
