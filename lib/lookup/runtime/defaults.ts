/**
 * Defaults of the lookup service runtime in one place; the README's "Default settings" table lists
 * them. Everything here can be overridden by a parameter (the CLI and lambda.ts pass values down).
 */
export const LOOKUP_DEFAULTS = {
  /** Host the dev server binds: loopback only, never a public interface. */
  devHost: '127.0.0.1',
  /** Port of `flavors lookup serve`. */
  devPort: 8787,
  /** Port of the embedded store (dynalite) of `flavors lookup serve`; the admin CLI's default `--store`. */
  devStorePort: 8788,
  /** Folder (relative to the working directory) holding the dev signing and identity keys. */
  devStateDir: '.flavors/lookup-dev',
  /** `iss` of development identity tokens (`flavors dev-token`). */
  devIdentityIssuer: 'flavors-dev-identity',
  /** `aud` of development identity tokens. */
  devIdentityAudience: 'flavors-lookup',
  /** Lifetime of a development identity token. */
  devIdentityTokenSeconds: 3600,
  /** `iss` of flavor tokens. */
  tokenIssuer: 'flavors-lookup',
  /** Lifetime of a flavor token. */
  tokenTtlSeconds: 300,
  /** Upper bound of a flavor token's lifetime; a longer configuration is rejected. */
  maxTokenTtlSeconds: 300,
  /**
   * Lifetime of a token-signing key: each execution environment generates one, has the region's
   * root key (KMS) certify it, and signs tokens with it locally until it is renewed.
   */
  signingKeyLifetimeSeconds: 3600,
  /**
   * A key is renewed in the background this long before its certificate ends; tokens keep being
   * signed with it meanwhile (it still covers a full token lifetime), so the root key (KMS) may be
   * unavailable this long minus one token lifetime before a request waits for it.
   */
  signingKeyRenewBeforeSeconds: 900,
  /** After a failed background renewal, the next one is tried this much later. */
  signingKeyRetryAfterSeconds: 10,
  /** Verifiers refuse key certificates valid for longer than this (a leaked or mis-issued one stays short-lived). */
  maxKeyCertificateSeconds: 14_400,
  /** Root signer (KMS) client: attempts per call, with the SDK's backoff; absorbs throttling when many environments start at once. */
  kmsMaxAttempts: 5,
  /** DNS zone under which flavor endpoints live: `https://<region>.<flavor>.<zone>`. */
  endpointZone: 'flavors.example.com',
  /** `Retry-After` (seconds) of a 503 when the store fails. */
  retryAfterSeconds: 1,
  /** Store client: TCP connect timeout. */
  storeConnectionTimeoutMs: 1000,
  /** Store client: time to wait for a response before giving up on an attempt. */
  storeRequestTimeoutMs: 1000,
  /** Store client: attempts per store call (1 = no retry). */
  storeMaxAttempts: 2,
  /** Store client: open sockets kept per store endpoint. */
  storeMaxSockets: 128,
  /** Largest bearer token accepted; bigger headers are rejected before any crypto. */
  maxBearerTokenBytes: 8192,
  /** Clock skew tolerated when checking `exp`/`nbf` of identity tokens. */
  clockToleranceSeconds: 30,
  /** How long a verified identity token is remembered (never past its `exp`); bounds how long a revoked signing key still works. */
  identityCacheSeconds: 60,
  /** Verified identity tokens remembered at most (oldest dropped first). */
  identityCacheEntries: 10_000,
} as const;
