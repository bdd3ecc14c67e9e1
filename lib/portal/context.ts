import type { Context } from 'hono';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import type { ClientsFor, CredentialsCheck } from '../ops/aws-clients';
import type { KubeFor } from '../ops/dev-replica-kube';
import type { LookupTableRef } from '../ops/fencing';
import type { PollOptions, Sleep } from '../ops/poll';
import type { LookupStore } from '../lookup/runtime/store';
import { layout, type Html } from './html';
import type { IdentityCheck, PortalUser } from './session';
import type { SpaceMoveService } from './space-move-service';

/** What the portal's handlers need; `flavors portal` wires the local store, tests wire fakes. */
export interface PortalDeps {
  readonly flavors: readonly Flavor[];
  /** Absolute folder of the flavor files (database requests edit them). */
  readonly flavorsDir: string;
  readonly store: LookupStore;
  /** The same table as `store`, for the `byFlavor` listing. */
  readonly table: LookupTableRef;
  readonly endpointZone: string;
  /** Verifies identity tokens (bearer header or cookie). */
  readonly identity: IdentityCheck;
  /** Mints identity tokens for the sign-in page; only the local dev identity issuer. @default no sign-in page */
  readonly devIdentity?: { mint(userId: string): Promise<string> };
  /** User ids allowed to run admin actions. */
  readonly admins: ReadonlySet<string>;
  /** HMAC key of the CSRF tokens (random per process is fine: forms die with the process). */
  readonly csrfSecret: Uint8Array;
  /** AWS and Kubernetes for the DR and dev-replica pages. */
  readonly ops: PortalOpsDeps;
  /** The space move (plan, then execute with a data-loss confirmation). @default the move pages say it is not available */
  readonly spaceMove?: SpaceMoveService;
  /** Unexpected errors go here (with their stack), never to the page. @default console.error */
  readonly logError?: (id: string, err: unknown) => void;
  /** Mark the session cookie `Secure` (behind HTTPS). @default false (127.0.0.1) */
  readonly secureCookies?: boolean;
}

export interface PortalOpsDeps {
  readonly clientsFor: ClientsFor;
  readonly credentials: (region: string) => CredentialsCheck;
  readonly credentialTimeoutMs?: number;
  readonly now: () => Date;
  /** @default dev replicas on Kubernetes are left out */
  readonly kubeFor?: KubeFor;
  readonly sleep?: Sleep;
  readonly poll?: { readonly attempts?: number; readonly delayMs?: number };
  /** Dev replica creation: waiting for the copy's login. @default DEV_REPLICA_DEFAULTS.connectPoll */
  readonly connectPoll?: PollOptions;
  /** Dev replica creation: connect to an RDS copy with TLS. @default true */
  readonly rdsTls?: boolean;
  /** Dev replica creation: the dev node's PostgreSQL port. @default 5432 */
  readonly ec2Port?: number;
  readonly hostedZoneId?: string;
  /** Absolute `.flavors` folder (the failover state file the DR page reads). */
  readonly stateDir: string;
  /** Working directory that dev-replica mask files resolve against. */
  readonly cwd: string;
}

export type PortalEnv = { Variables: { user: PortalUser; csrf: string; form: Record<string, string> } };
export type PortalContext = Context<PortalEnv>;

/** Renders a page of the signed-in user. */
export function page(c: PortalContext, title: string, nav: string, body: Html, status: 200 | 400 | 403 | 404 | 409 | 500 | 503 = 200): Response {
  return c.html(layout({ title, nav, body, user: c.get('user'), csrf: c.get('csrf') }), status);
}

/** A refused form field: the same code and message the CLI prints. */
export interface FieldProblem {
  readonly code: string;
  readonly message: string;
}

/** Runs a library check and returns its refusal (a FlavorsError) as a field problem; anything else propagates. */
export function check(fn: () => unknown): FieldProblem | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof FlavorsError) return { code: err.code, message: err.message };
    throw err;
  }
}

export function problemOf(err: unknown): FieldProblem {
  if (err instanceof FlavorsError) return { code: err.code, message: err.message };
  throw err;
}

export const flavorNamed = (deps: PortalDeps, name: string) => deps.flavors.find((f) => f.name === name);
