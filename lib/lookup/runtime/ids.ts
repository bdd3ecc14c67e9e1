/**
 * Formats of the opaque ids stored in the lookup table. Everything else is rejected before the
 * store is touched: an id ends up inside a DynamoDB key (`SPACE#<id>`), a URL path and a JWT, so it
 * may hold neither separators (`#`, `/`) nor free text (spaces, `@` of an e-mail, unicode).
 */

/** Space and client ids: lower-case letters, digits and hyphens, 3–63 characters, starting alphanumeric. */
export const SPACE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,62}$/;
export const CLIENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,62}$/;
/**
 * User ids are the `sub` of the caller's identity token: opaque identifiers of an identity provider
 * (`auth0|5f…`, `00u1ab…`, UUIDs), 1–128 characters. No `@`: an e-mail is personal data, not an id.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:|-]{0,127}$/;

export type IdKind = 'spaceId' | 'clientId' | 'userId';

const PATTERNS: Record<IdKind, RegExp> = { spaceId: SPACE_ID_PATTERN, clientId: CLIENT_ID_PATTERN, userId: USER_ID_PATTERN };

const RULES: Record<IdKind, string> = {
  spaceId: '3–63 characters of a-z, 0-9 and -, starting with a letter or digit',
  clientId: '3–63 characters of a-z, 0-9 and -, starting with a letter or digit',
  userId: '1–128 characters of A-Z, a-z, 0-9 and . _ : | -, starting with a letter or digit',
};

export function isValidId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && PATTERNS[kind].test(value);
}

/** A sentence saying what a valid id of this kind looks like (for error messages). */
export function idRule(kind: IdKind): string {
  return RULES[kind];
}

/** Shows at most 40 characters of a rejected value, so a 10 KB id does not flood a log or a terminal. */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
