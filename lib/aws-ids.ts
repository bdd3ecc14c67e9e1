/**
 * Checks of AWS identifiers that props and cdk.json context share: one definition each, so a
 * stack and the CDK app's context parser never disagree on what is valid. Pure, no AWS import.
 */

const ACCOUNT_ID = /^\d{12}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
/** Lower-case labels of letters, digits and inner hyphens, then a top-level label of letters. */
const ZONE_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A 12-digit AWS account id. */
export function isAccountId(value: unknown): boolean {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/** A Route 53 hosted zone id such as `Z0000000000000EXAMPLE`. */
export function isHostedZoneId(value: unknown): boolean {
  return typeof value === 'string' && HOSTED_ZONE_ID.test(value);
}

/**
 * The zone name the project works with: a lower-case DNS name without the trailing dot of its
 * fully qualified form. Route 53 prints `flavors.example.com.`; inputs people copy from it (cdk.json
 * context) are passed through `zoneNameFromInput`, and everything past that point has no dot, so
 * records and token audiences built from it are spelled one way.
 */
export function isZoneName(value: unknown): boolean {
  return typeof value === 'string' && ZONE_NAME.test(value);
}

/** A DNS name without the one trailing dot of its fully qualified form (`a.example.com.` → `a.example.com`). */
export function withoutTrailingDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** A zone name as a person may write it (one trailing dot allowed), without the dot; undefined when it is not a zone name. */
export function zoneNameFromInput(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = withoutTrailingDot(value);
  return isZoneName(name) ? name : undefined;
}
