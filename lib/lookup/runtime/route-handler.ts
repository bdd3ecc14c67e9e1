import { FlavorsError, PolicyError } from '../../errors';
import type { Flavor } from '../../flavor/types';
import { LOOKUP_DEFAULTS } from './defaults';
import { DelegatedSigner } from './delegated-signer';
import { issueFlavorToken } from './flavor-token';
import { IdentityError, IdentityUnavailableError, type IdentityVerifier } from './identity';
import { idRule, isValidId } from './ids';
import { LookupRecordError } from './records';
import type { FlavorTokenSigner } from './signer';
import { resolveSpaceRoute, SpaceRouteError } from './space-route';
import { LookupStoreUnavailableError, LookupTableNotFoundError, type LookupStore } from './store';

/** A request, independent of the transport (Node http, Lambda). Header names are lower-case. */
export interface LookupRequest {
  readonly method: string;
  /** Path, percent-encoded as received; a query string is ignored. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface LookupResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type LookupHandler = (request: LookupRequest) => Promise<LookupResponse>;

/** The stable error codes of the HTTP API (README: "Error codes"). */
export const LOOKUP_ERROR_CODES = {
  badRequest: 'LOOKUP_BAD_REQUEST',
  unauthenticated: 'LOOKUP_UNAUTHENTICATED',
  forbidden: 'LOOKUP_FORBIDDEN',
  notFound: 'LOOKUP_NOT_FOUND',
  routeUnknown: 'LOOKUP_ROUTE_UNKNOWN',
  methodNotAllowed: 'LOOKUP_METHOD_NOT_ALLOWED',
  spaceMisconfigured: 'LOOKUP_SPACE_MISCONFIGURED',
  internal: 'LOOKUP_INTERNAL',
  storeUnavailable: 'LOOKUP_STORE_UNAVAILABLE',
  identityUnavailable: 'LOOKUP_IDENTITY_UNAVAILABLE',
  signerUnavailable: 'LOOKUP_SIGNER_UNAVAILABLE',
  /** The space is being moved to another flavor (`flavors space move`); retry after Retry-After. */
  spaceMoving: 'SPACE_MOVING',
} as const;

/** A server-side event worth logging (5xx answers, signing-key changes); never contains tokens. */
export interface LookupLogEntry {
  /** `info` for signing-key certifications (an audit trail); anything else is an error. @default error */
  readonly level?: 'info';
  readonly code: string;
  readonly message: string;
  readonly spaceId?: string;
}

export interface LookupHandlerProps {
  readonly store: LookupStore;
  /** Every flavor the service routes to (loaded by the CLI, or from lambda.ts's environment). */
  readonly flavors: readonly Flavor[];
  readonly identity: IdentityVerifier;
  /**
   * The root of trust of flavor tokens (KMS in AWS, a local key in development), or a
   * `DelegatedSigner` over it. A root is wrapped in a `DelegatedSigner`: it certifies a short-lived
   * key once, and tokens are signed locally with that key (no root call per request).
   */
  readonly signer: FlavorTokenSigner | DelegatedSigner;
  /** Control-plane region written into key certificates. @default 'local' */
  readonly region?: string;
  /** @default LOOKUP_DEFAULTS.endpointZone */
  readonly endpointZone?: string;
  /** `iss` of flavor tokens. @default LOOKUP_DEFAULTS.tokenIssuer */
  readonly tokenIssuer?: string;
  /** @default LOOKUP_DEFAULTS.tokenTtlSeconds (at most 300) */
  readonly tokenTtlSeconds?: number;
  /** @default LOOKUP_DEFAULTS.retryAfterSeconds */
  readonly retryAfterSeconds?: number;
  /** Milliseconds since the epoch (tests). @default Date.now */
  readonly clock?: () => number;
  /** Receives 5xx events. @default nothing is logged */
  readonly log?: (entry: LookupLogEntry) => void;
}

const ROUTE_PREFIX = '/v1/spaces/';
const ROUTE_SUFFIX = '/route';
const JWKS_PATH = '/.well-known/jwks.json';

const BASE_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** The JSON error body every non-2xx answer carries. */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): LookupResponse {
  return { status, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify({ error: { code, message } }) };
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): LookupResponse {
  return { status, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(value) };
}

// Fixed bodies: a caller without a grant gets byte-for-byte the same answer whether the space exists or not.
const FORBIDDEN = () => errorResponse(403, LOOKUP_ERROR_CODES.forbidden, 'you have no grant for this space.');
const UNAUTHENTICATED = (message: string) => errorResponse(401, LOOKUP_ERROR_CODES.unauthenticated, message, { 'www-authenticate': 'Bearer' });

/**
 * The lookup service, transport-independent: request in, `{ status, headers, body }` out.
 *
 * `GET /v1/spaces/{spaceId}/route` checks, in order: the id's format (400, before anything else is
 * touched), the bearer identity token (401), then reads the space and the caller's grant in one
 * store round trip (503 if the store fails). Without a grant the answer is 403 whether or not the
 * space exists; 404 goes only to a caller holding a grant on a space that is gone, and 503
 * `SPACE_MOVING` (with `Retry-After`) only to a granted caller of a space being moved. Then it resolves
 * the space's policy (defaults → flavor → client → space) and signs a flavor token for the home
 * region. `GET /.well-known/jwks.json` serves the public keys flavor services verify tokens with.
 */
export function createLookupHandler(props: LookupHandlerProps): LookupHandler {
  const flavors = new Map(props.flavors.map((f) => [f.name, f]));
  const zone = props.endpointZone ?? LOOKUP_DEFAULTS.endpointZone;
  const issuer = props.tokenIssuer ?? LOOKUP_DEFAULTS.tokenIssuer;
  const ttl = props.tokenTtlSeconds ?? LOOKUP_DEFAULTS.tokenTtlSeconds;
  if (!(Number.isInteger(ttl) && ttl > 0 && ttl <= LOOKUP_DEFAULTS.maxTokenTtlSeconds)) {
    throw new FlavorsError(
      'LOOKUP_TOKEN_TTL_INVALID',
      `tokenTtlSeconds must be an integer from 1 to ${LOOKUP_DEFAULTS.maxTokenTtlSeconds}, not ${ttl}.`,
    );
  }
  const retryAfter = String(props.retryAfterSeconds ?? LOOKUP_DEFAULTS.retryAfterSeconds);
  const clock = props.clock ?? Date.now;
  const log = props.log ?? (() => undefined);
  const signer =
    props.signer instanceof DelegatedSigner
      ? props.signer
      : new DelegatedSigner({
          root: props.signer,
          region: props.region ?? 'local',
          issuer,
          clock,
          log,
        });
  const unavailable = (code: string, message: string) => errorResponse(503, code, message, { 'retry-after': retryAfter });

  async function route(rawId: string, headers: LookupRequest['headers']): Promise<LookupResponse> {
    let spaceId: string;
    try {
      spaceId = decodeURIComponent(rawId);
    } catch {
      return errorResponse(400, LOOKUP_ERROR_CODES.badRequest, 'the space id is not valid percent-encoding.');
    }
    if (!isValidId('spaceId', spaceId)) {
      return errorResponse(400, LOOKUP_ERROR_CODES.badRequest, `the space id is malformed: a space id has ${idRule('spaceId')}.`);
    }

    const authorization = headers.authorization;
    if (!authorization) return UNAUTHENTICATED('send the identity token as Authorization: Bearer <token>.');
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (!match) return UNAUTHENTICATED('the Authorization header must be Bearer <token>.');
    if (match[1].length > LOOKUP_DEFAULTS.maxBearerTokenBytes) return UNAUTHENTICATED('the identity token is too large.');
    let userId: string;
    try {
      ({ userId } = await props.identity.verify(match[1], new Date(clock())));
    } catch (err) {
      if (err instanceof IdentityError) return UNAUTHENTICATED(err.message);
      if (err instanceof IdentityUnavailableError) {
        log({ code: err.code, message: err.message, spaceId });
        return unavailable(LOOKUP_ERROR_CODES.identityUnavailable, 'the identity provider cannot be reached; retry later.');
      }
      throw err;
    }

    let items;
    try {
      items = await props.store.routeItems(spaceId, userId);
    } catch (err) {
      if (err instanceof LookupStoreUnavailableError || err instanceof LookupTableNotFoundError) {
        log({ code: err.code, message: err.message, spaceId });
        return unavailable(LOOKUP_ERROR_CODES.storeUnavailable, 'the lookup store is unavailable; retry after the Retry-After seconds.');
      }
      if (err instanceof LookupRecordError) return misconfigured(spaceId, err);
      throw err;
    }
    if (!items.granted) return FORBIDDEN();
    if (!items.space) return errorResponse(404, LOOKUP_ERROR_CODES.notFound, 'this space no longer exists.');
    // Only a granted caller learns that the space is moving; no token while its data is in transit.
    if (items.space.state === 'moving')
      return unavailable(LOOKUP_ERROR_CODES.spaceMoving, 'this space is being moved to another flavor; retry after the Retry-After seconds.');

    let spaceRoute;
    try {
      spaceRoute = resolveSpaceRoute(flavors, items.space, zone);
    } catch (err) {
      if (err instanceof SpaceRouteError || err instanceof PolicyError) return misconfigured(spaceId, err);
      throw err;
    }

    let issued;
    try {
      const now = Math.floor(clock() / 1000);
      issued = await issueFlavorToken(await signer.keyFor(now, now + ttl), {
        issuer,
        audience: spaceRoute.endpoint,
        subject: userId,
        space: spaceId,
        flavor: spaceRoute.flavor,
        region: spaceRoute.homeRegion,
        epoch: spaceRoute.epoch,
        ttlSeconds: ttl,
        now,
      });
    } catch (err) {
      log({ code: LOOKUP_ERROR_CODES.signerUnavailable, message: err instanceof Error ? err.message : String(err), spaceId });
      return unavailable(LOOKUP_ERROR_CODES.signerUnavailable, 'the token signer is unavailable; retry later.');
    }
    return json(200, { ...spaceRoute, token: issued.token, expiresAt: new Date(issued.claims.exp * 1000).toISOString() });
  }

  function misconfigured(spaceId: string, err: FlavorsError): LookupResponse {
    log({ code: err.code, message: err.message, spaceId });
    return errorResponse(500, LOOKUP_ERROR_CODES.spaceMisconfigured, 'this space cannot be routed; the operators have been told.');
  }

  async function jwks(): Promise<LookupResponse> {
    try {
      return json(200, { keys: [await signer.rootJwk()] }, { 'cache-control': 'public, max-age=300' });
    } catch (err) {
      log({ code: LOOKUP_ERROR_CODES.signerUnavailable, message: err instanceof Error ? err.message : String(err) });
      return unavailable(LOOKUP_ERROR_CODES.signerUnavailable, 'the signing keys are unavailable; retry later.');
    }
  }

  return async (request) => {
    const path = request.path.split('?', 1)[0];
    // `/v1/spaces/route` (prefix and suffix sharing a slash) counts as a route with an empty id: a 400.
    const isRoute = path.startsWith(ROUTE_PREFIX) && path.endsWith(ROUTE_SUFFIX) && path.length >= ROUTE_PREFIX.length + ROUTE_SUFFIX.length - 1;
    if (!isRoute && path !== JWKS_PATH) {
      return errorResponse(404, LOOKUP_ERROR_CODES.routeUnknown, 'no such endpoint; use GET /v1/spaces/{spaceId}/route.');
    }
    if (request.method !== 'GET') {
      return errorResponse(405, LOOKUP_ERROR_CODES.methodNotAllowed, `${request.method.slice(0, 16)} is not allowed here; use GET.`, {
        allow: 'GET',
      });
    }
    try {
      if (!isRoute) return await jwks();
      return await route(path.slice(ROUTE_PREFIX.length, Math.max(ROUTE_PREFIX.length, path.length - ROUTE_SUFFIX.length)), request.headers);
    } catch (err) {
      log({ code: LOOKUP_ERROR_CODES.internal, message: err instanceof Error ? err.message : String(err) });
      return errorResponse(500, LOOKUP_ERROR_CODES.internal, 'unexpected error; the operators have been told.');
    }
  };
}
