// A portal app over a real embedded lookup store (dynalite), seeded like `lookup serve`, with the
// dev identity issuer; requests go in-process through hono's app.request.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Hono } from 'hono';
import { DevIdentityIssuer } from '../../../lib/lookup/runtime/dev-identity';
import { createLookupDynamoClient } from '../../../lib/lookup/runtime/dynamo-client';
import { startEmbeddedStore, type EmbeddedStore } from '../../../lib/lookup/runtime/embedded-store';
import { IdentityVerifier } from '../../../lib/lookup/runtime/identity';
import { devSeedPlan, seedLookupStore } from '../../../lib/lookup/runtime/seed';
import { LookupStore } from '../../../lib/lookup/runtime/store';
import { ensureLookupTable } from '../../../lib/lookup/runtime/table';
import { createPortalApp } from '../../../lib/portal/app';
import type { PortalDeps, PortalOpsDeps } from '../../../lib/portal/context';
import { csrfToken } from '../../../lib/portal/session';
import { REPO_FLAVORS } from '../../helpers/repo-flavors';

export const ROOT = path.resolve(__dirname, '../../..');
export const ZONE = 'flavors.example.com';
export const SECRET = Buffer.from('portal-test-secret-portal-test-secret');

type FixtureOverrides = Omit<Partial<PortalDeps>, 'ops'> & { ops?: Partial<PortalOpsDeps> };

export interface PortalFixture {
  readonly app: Hono<never>;
  readonly deps: PortalDeps;
  readonly issuer: DevIdentityIssuer;
  readonly errors: unknown[];
  token(userId: string): Promise<string>;
  get(url: string, userId?: string): Promise<Response>;
  /** A form POST as `userId` with that session's CSRF token (or `csrf`, when given; null leaves it out). */
  post(url: string, userId: string, form: Record<string, string>, csrf?: string | null): Promise<Response>;
  /**
   * A second portal app over the same store, issuer and state folder, with other deps (its own `errors`): no second
   * store to start and seed. Closing it is a no-op; this fixture's `close` ends the store.
   */
  withDeps(overrides: FixtureOverrides): PortalFixture;
  close(): Promise<void>;
}

export async function startPortalFixture(overrides: FixtureOverrides = {}): Promise<PortalFixture> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  const store: EmbeddedStore = await startEmbeddedStore({ port: 0 });
  const client = createLookupDynamoClient({ endpoint: store.endpoint });
  // The repository's flavors as modules: loading them through the sandbox costs a child process, and the loader has its own tests.
  const flavors = REPO_FLAVORS;
  const lookup = new LookupStore({ client, tableName: 'flavors-lookup' });
  await ensureLookupTable(client, 'flavors-lookup');
  await seedLookupStore({ store: lookup, flavors }, devSeedPlan(flavors), ZONE);
  const issuer = await DevIdentityIssuer.load(stateDir);
  const base: Omit<PortalDeps, 'logError'> = {
    flavors,
    flavorsDir: path.join(ROOT, 'flavors'),
    store: lookup,
    table: { dynamodb: client, tableName: 'flavors-lookup' },
    endpointZone: ZONE,
    identity: new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() }),
    devIdentity: issuer,
    admins: new Set(['user-admin']),
    csrfSecret: SECRET,
    ops: {
      clientsFor: () => {
        throw new Error('no AWS in this test');
      },
      credentials: () => () => Promise.reject(new Error('no credentials')),
      credentialTimeoutMs: 200,
      now: () => new Date(),
      stateDir,
      cwd: stateDir,
    },
  };
  const tokens = new Map<string, string>();
  const token = async (userId: string) => {
    if (!tokens.has(userId)) tokens.set(userId, await issuer.mint(userId));
    return tokens.get(userId)!;
  };
  const fixture = (over: FixtureOverrides, close: () => Promise<void>): PortalFixture => {
    const errors: unknown[] = [];
    const { ops, ...rest } = over;
    const deps: PortalDeps = { ...base, logError: (_id, err) => errors.push(err), ops: { ...base.ops, ...ops }, ...rest };
    const app = createPortalApp(deps) as unknown as Hono<never>;
    return {
      app,
      deps,
      issuer,
      errors,
      token,
      get: async (url, userId) => app.request(url, { headers: userId ? { authorization: `Bearer ${await token(userId)}` } : {} }),
      post: async (url, userId, form, csrf) => {
        const t = await token(userId);
        const body = new URLSearchParams(form);
        if (csrf !== null) body.set('csrf', csrf ?? csrfToken(SECRET, t));
        return app.request(url, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/x-www-form-urlencoded' },
        });
      },
      withDeps: (more) => fixture({ ...over, ...more, ops: { ...ops, ...more.ops } }, () => Promise.resolve()),
      close,
    };
  };
  return fixture(overrides, async () => {
    client.destroy();
    await store.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
}

/** The text of a field's error (`<code>` and message) in a page, or undefined. */
export function fieldErrorIn(page: string, field: string): string | undefined {
  const m = new RegExp(`data-error-for="${field}"><code>([A-Z0-9_]+)</code>`).exec(page);
  return m?.[1];
}
