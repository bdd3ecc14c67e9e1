import { FlavorError, FlavorsError } from '../../errors';
import { defineFlavor } from '../../flavor/define-flavor';
import type { Flavor, FlavorSpec } from '../../flavor/types';

/** Lambda allows 4 KB of environment in total; the flavors must leave room for the other variables. */
export const MAX_FLAVORS_ENV_BYTES = 3072;

/**
 * What the lookup service needs of each flavor (name, residency, regions, backup, failover), as
 * the JSON value of lambda.ts's `LOOKUP_FLAVORS` variable. Databases are left out: routing does not
 * need them and the environment is small. Throws when the flavors do not fit.
 */
export function lookupFlavorsEnvValue(flavors: readonly Flavor[]): string {
  const specs: FlavorSpec[] = flavors.map((f) => ({
    name: f.name, residency: f.residency, regions: f.regions,
    backup: { intervalHours: f.backup.intervalHours, retain: f.backup.retain, copyTo: f.backup.copyTo },
    failover: f.failover,
  }));
  const value = JSON.stringify(specs);
  if (Buffer.byteLength(value) > MAX_FLAVORS_ENV_BYTES) {
    throw new FlavorsError('LOOKUP_FLAVORS_TOO_LARGE', `the flavors' routing data is ${Buffer.byteLength(value)} bytes; the lookup function's environment allows ${MAX_FLAVORS_ENV_BYTES}.`);
  }
  return value;
}

/**
 * Parses `LOOKUP_FLAVORS` back into flavors, validating each with `defineFlavor`, so the function
 * refuses a broken configuration instead of routing with it.
 */
export function parseLookupFlavors(value: string | undefined): Flavor[] {
  if (!value) throw new FlavorsError('LOOKUP_CONFIG_MISSING', 'LOOKUP_FLAVORS is not set; it holds the JSON of lookupFlavorsEnvValue(flavors).');
  let specs: unknown;
  try {
    specs = JSON.parse(value);
  } catch {
    throw new FlavorsError('LOOKUP_CONFIG_INVALID', 'LOOKUP_FLAVORS is not JSON; it holds the JSON of lookupFlavorsEnvValue(flavors).');
  }
  if (!Array.isArray(specs) || specs.length === 0) throw new FlavorsError('LOOKUP_CONFIG_INVALID', 'LOOKUP_FLAVORS must be a non-empty JSON array of flavors.');
  try {
    return specs.map((spec) => defineFlavor(spec as FlavorSpec));
  } catch (err) {
    if (err instanceof FlavorError) throw new FlavorsError('LOOKUP_CONFIG_INVALID', `LOOKUP_FLAVORS holds an invalid flavor: ${err.message}`);
    throw err;
  }
}
