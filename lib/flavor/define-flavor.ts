import { FlavorDefinitionError } from '../errors';
import { FLAVOR_DEFAULTS } from './defaults';
import type { Flavor, FlavorSpec } from './types';
import { checkFlavorSpec } from './validate';

/**
 * Declares a flavor. Validates everything that can be checked without other flavors and throws one
 * `FlavorDefinitionError` listing every problem; fills in the defaults of `FLAVOR_DEFAULTS`.
 *
 * @example export default defineFlavor({ name: 'germany-belgium', residency: { countries: ['DE', 'BE'] }, ... })
 */
export function defineFlavor(input: FlavorSpec): Flavor {
  // Built from the checked plain-data copy: a getter or proxy in the file cannot answer differently later.
  const { data, problems } = checkFlavorSpec(input);
  if (problems.some((p) => p.severity === 'error')) {
    const name = (data as { name?: unknown } | undefined)?.name;
    throw new FlavorDefinitionError(problems, typeof name === 'string' ? name : undefined);
  }
  // Valid data is JSON (finite numbers, strings, plain objects and lists): the round trip gives
  // ordinary objects in place of the copy's prototype-less ones.
  const spec = JSON.parse(JSON.stringify(data)) as FlavorSpec;
  const primary = spec.regions.find((r) => r.role === 'primary')!;
  return {
    name: spec.name,
    description: spec.description ?? '',
    residency: spec.residency,
    regions: spec.regions.map((r) => ({ region: r.region, role: r.role })),
    primaryRegion: primary.region,
    fallbackRegions: spec.regions.filter((r) => r.role === 'fallback').map((r) => r.region),
    databases: { ...(spec.databases ?? {}) },
    backup: { ...FLAVOR_DEFAULTS.backup, ...spec.backup },
    failover: { ...FLAVOR_DEFAULTS.failover, ...spec.failover },
    warnings: problems.filter((p) => p.severity === 'warning'),
  };
}

/** True when the value looks like what `defineFlavor` returns (used to check a file's default export). */
export function isFlavor(value: unknown): value is Flavor {
  const v = value as Partial<Flavor> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    Array.isArray(v.regions) &&
    typeof v.primaryRegion === 'string' &&
    Array.isArray(v.warnings)
  );
}

/** Every region of the flavor, primary first. */
export function flavorRegions(flavor: Pick<Flavor, 'primaryRegion' | 'fallbackRegions'>): string[] {
  return [flavor.primaryRegion, ...flavor.fallbackRegions];
}
