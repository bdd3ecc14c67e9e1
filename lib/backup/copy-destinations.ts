import { FlavorsError } from '../errors';
import { flavorRegions } from '../flavor/define-flavor';
import { DLM_MAX_COPY_REGIONS } from '../flavor/defaults';
import type { Flavor } from '../flavor/types';

/**
 * Regions a flavor region's snapshots are copied to. Pure; the region stacks and the residency
 * tests use the same answer.
 *
 * - The primary region copies to `backup.copyTo`: the fallback regions, or the explicit list.
 * - A fallback region (whose standby volumes become live after a failover) copies to the other
 *   regions that hold the flavor's backups — the primary first, then the copy destinations — at
 *   most 3 (DLM's limit), so after a failover the backups flow back the way they came.
 * - Never the region itself; never a region outside the flavor. A single-region flavor gets `[]`.
 */
export function snapshotCopyDestinations(flavor: Pick<Flavor, 'name' | 'primaryRegion' | 'fallbackRegions' | 'backup'>, region: string): string[] {
  const regions = flavorRegions(flavor);
  if (!regions.includes(region)) {
    throw new FlavorsError(
      'BACKUP_REGION_NOT_IN_FLAVOR',
      `${region} is not a region of flavor ${flavor.name} (${regions.join(', ')}); snapshot copies are planned only for the flavor's own regions.`,
    );
  }
  const copyTo = flavor.backup.copyTo === 'fallbacks' ? flavor.fallbackRegions : flavor.backup.copyTo;
  const foreign = copyTo.filter((r) => !regions.includes(r));
  if (foreign.length > 0) {
    // defineFlavor rejects this; a flavor object built by hand must not slip a foreign copy through either.
    throw new FlavorsError(
      'BACKUP_COPY_NOT_FLAVOR_REGION',
      `flavor ${flavor.name} copies snapshots to ${foreign.join(', ')}, not one of its regions (${regions.join(', ')}); fix backup.copyTo.`,
    );
  }
  const holding = region === flavor.primaryRegion ? copyTo : [flavor.primaryRegion, ...copyTo];
  const destinations = holding.filter((r, i) => r !== region && holding.indexOf(r) === i);
  return destinations.slice(0, DLM_MAX_COPY_REGIONS);
}
