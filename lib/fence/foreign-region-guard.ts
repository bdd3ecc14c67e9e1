import type { IncomingMessage, ServerResponse } from 'http';
import { FenceError } from './fence-error';
import { flavorTokenVerifier, type FenceClaims, type FenceVerify, type FlavorTokenTrust } from './token-verifier';

/** Plain Node middleware: what Express uses, and what Fastify (`@fastify/middie`) and Hono (`@hono/node-server`) adapters take. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface ForeignRegionGuardProps {
  /** The region this service runs in. */
  readonly region: string;
  /** Verifies a token's signature and returns its claims, whatever its region. @default `verifyFlavorToken` with `trust` */
  readonly verify?: FenceVerify;
  /** How to verify flavor tokens when `verify` is not given. @default none: one of the two is required */
  readonly trust?: FlavorTokenTrust;
  /**
   * The base URL of the space's home endpoint. @default the token's `aud` (the lookup service sets it
   * to `https://<home region>.<flavor>.<zone>`)
   */
  readonly homeEndpoint?: (claims: FenceClaims) => string | undefined;
  /** Where the token is. @default the `Authorization: Bearer` header */
  readonly tokenOf?: (req: IncomingMessage) => string | undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Answers `307 Temporary Redirect` to the space's home endpoint (same path and query; 307 keeps the
 * method and body) when a request carries a valid flavor token for another region, and never calls
 * `next` then, so the handler does not run outside the home region. Requests without a token, or
 * with one that does not verify, go on to the handler, whose own checks (the write fence) refuse them.
 */
export function foreignRegionGuard(props: ForeignRegionGuardProps): NodeMiddleware {
  if (typeof props.region !== 'string' || props.region.length === 0 || (!props.verify && !props.trust)) {
    throw new FenceError(
      'FENCE_BAD_INPUT',
      'foreignRegionGuard needs region (the region this service runs in) and verify or trust ({ flavor, jwks }).',
    );
  }
  const verify = props.verify ?? flavorTokenVerifier(props.trust!);
  const tokenOf = props.tokenOf ?? bearer;
  const homeEndpoint = props.homeEndpoint ?? ((claims: FenceClaims) => claims.aud);
  return (req, res, next) => {
    const token = tokenOf(req);
    if (!token) {
      next();
      return;
    }
    Promise.resolve()
      .then(() => verify(token))
      .then(
        (claims) => {
          if (claims.region === props.region) {
            next();
            return;
          }
          const base = homeEndpoint(claims);
          let location: string;
          try {
            location = new URL(req.url ?? '/', base).toString();
          } catch {
            // A valid token for another region without a usable endpoint: refuse here rather than run the handler.
            res.writeHead(421, { 'content-type': 'application/json', 'cache-control': 'no-store' });
            res.end(
              JSON.stringify({ error: 'FENCE_WRONG_REGION', message: `space ${claims.space} is homed in ${claims.region}, not ${props.region}.` }),
            );
            return;
          }
          res.writeHead(307, { location, 'cache-control': 'no-store', 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: 'FENCE_WRONG_REGION',
              message: `space ${claims.space} is homed in ${claims.region}; repeat the request at ${location}.`,
            }),
          );
        },
        (err: unknown) => {
          if (err instanceof FenceError) next();
          else next(err);
        },
      );
  };
}
