/** Defaults of `flavors portal` (see lib/portal/README.md, "Default settings"). */
export const PORTAL_DEFAULTS = {
  /** Loopback only: the local portal signs anyone in with the dev issuer, so it must not be reachable from the network. */
  host: '127.0.0.1',
  /** Next to the lookup service's 8787 and its store's 8788. */
  port: 8790,
  /** Admin user ids when none are given: the dev seed's admin, so a fresh `npm run portal` can create clients. */
  admins: ['user-admin'],
} as const;
