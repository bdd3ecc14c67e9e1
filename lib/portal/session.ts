import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import type { Identity } from '../lookup/runtime/identity';

/** Cookie holding the identity token in a browser (httpOnly, SameSite=Strict). */
export const IDENTITY_COOKIE = 'flavors_portal_identity';
/** Double-submit cookie of the sign-in form (there is no session to bind its token to yet). */
export const LOGIN_CSRF_COOKIE = 'flavors_portal_login_csrf';

/** Verifies identity tokens: the lookup service's IdentityVerifier (dev issuer locally, the real one deployed). */
export interface IdentityCheck {
  verify(token: string): Promise<Identity>;
}

/** Who is signed in, and whether they may run admin actions. */
export interface PortalUser {
  readonly userId: string;
  readonly admin: boolean;
}

/**
 * Per-session CSRF token: an HMAC of the session's identity token under a server secret. A page
 * of another origin can neither read the httpOnly cookie nor compute the HMAC, and a new sign-in
 * (a new token) invalidates the old forms.
 */
export function csrfToken(secret: Uint8Array, sessionToken: string): string {
  return createHmac('sha256', secret).update(`csrf\0${sessionToken}`).digest('base64url');
}

/** Constant-time comparison of a submitted token with the expected one. */
export function sameToken(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(submitted));
}

/** A fresh random token (the sign-in form's double-submit value, a server's CSRF secret). */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** The bearer token of a request: `Authorization: Bearer …` first, else the identity cookie. */
export function sessionTokenOf(authorization: string | undefined, cookie: string | undefined): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? (cookie || undefined);
}
