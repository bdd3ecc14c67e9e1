import { FlavorDefinitionError, FlavorsError } from '../../errors';
import { defineFlavor } from '../../flavor/define-flavor';
import type { Flavor, FlavorSpec } from '../../flavor/types';

/**
 * What the lookup service needs of each flavor (name, residency, regions, backup, failover), as
 * JSON. `LookupService` compiles it into the function's bundle (Lambda's 4 KB environment holds a
 * dozen flavors, not fifty); `LOOKUP_FLAVORS` in the environment overrides it for local runs and
 * tests. Databases are left out: routing does not need them.
 */
export function lookupFlavorsJson(flavors: readonly Flavor[]): string {
  const specs: FlavorSpec[] = flavors.map((f) => ({
    name: f.name,
    residency: f.residency,
    regions: f.regions,
    backup: { intervalHours: f.backup.intervalHours, retain: f.backup.retain, copyTo: f.backup.copyTo },
    failover: f.failover,
  }));
  return JSON.stringify(specs);
}

/**
 * Parses `LOOKUP_FLAVORS` back into flavors, validating each with `defineFlavor`, so the function
 * refuses a broken configuration instead of routing with it.
 */
export function parseLookupFlavors(value: string | undefined): Flavor[] {
  if (!value)
    throw new FlavorsError(
      'LOOKUP_CONFIG_MISSING',
      'LOOKUP_FLAVORS is not set and no flavors were bundled; it holds the JSON of lookupFlavorsJson(flavors).',
    );
  let specs: unknown;
  try {
    specs = JSON.parse(value);
  } catch {
    throw new FlavorsError('LOOKUP_CONFIG_INVALID', 'LOOKUP_FLAVORS is not JSON; it holds the JSON of lookupFlavorsJson(flavors).');
  }
  if (!Array.isArray(specs) || specs.length === 0)
    throw new FlavorsError('LOOKUP_CONFIG_INVALID', 'LOOKUP_FLAVORS must be a non-empty JSON array of flavors.');
  try {
    return specs.map((spec) => defineFlavor(spec as FlavorSpec));
  } catch (err) {
    if (err instanceof FlavorDefinitionError)
      throw new FlavorsError('LOOKUP_CONFIG_INVALID', `LOOKUP_FLAVORS holds an invalid flavor: ${err.message}`);
    throw err;
  }
}
