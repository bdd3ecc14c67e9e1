import { failoverChainName, failoverChainSetIdentifier, failoverSetIdentifier, regionalEndpointName } from './endpoint-names';

/** One DNS record of a flavor endpoint, as RegionalFailover creates it and the failover tool reads it. */
export interface FailoverRecordPlan {
  /** Record name, without the trailing dot. */
  readonly name: string;
  /** CNAME value: a regional endpoint `<region>.<flavor>.<zone>`, or the next chain level. */
  readonly target: string;
  /** `undefined` for a simple (non-failover) record. */
  readonly failover?: 'PRIMARY' | 'SECONDARY';
  readonly setIdentifier?: string;
  /** The region the record points at; `undefined` for a link to the next chain level. */
  readonly region?: string;
  /** For a chain link: the regions behind it, in order. */
  readonly chainRegions?: readonly string[];
  /** Chain level of `name` (0 = `<flavor>.<zone>`). */
  readonly level: number;
}

/**
 * The records of a flavor endpoint. Pure: the construct builds them and the failover tool uses the
 * same plan to find them.
 *
 * - One region, or `automatic: false`: a simple CNAME `<flavor>.<zone>` → first region.
 * - Two regions: PRIMARY → regions[0], SECONDARY → regions[1] at `<flavor>.<zone>`.
 * - N > 2 regions: Route 53 allows one PRIMARY and one SECONDARY per name, so level i has
 *   PRIMARY → regions[i] and SECONDARY → level i + 1, the last level SECONDARY → the last region.
 *   Traffic goes to the first healthy region in the flavor's order.
 */
export function planFailoverRecords(flavor: string, regions: readonly string[], zoneName: string, automatic = true): FailoverRecordPlan[] {
  if (regions.length === 0) return [];
  if (regions.length === 1 || !automatic) {
    return [
      { name: failoverChainName(flavor, 0, zoneName), target: regionalEndpointName(flavor, regions[0], zoneName), region: regions[0], level: 0 },
    ];
  }
  const plan: FailoverRecordPlan[] = [];
  const toRegion = (level: number, region: string, failover: 'PRIMARY' | 'SECONDARY'): FailoverRecordPlan => ({
    name: failoverChainName(flavor, level, zoneName),
    target: regionalEndpointName(flavor, region, zoneName),
    failover,
    setIdentifier: failoverSetIdentifier(flavor, region),
    region,
    level,
  });
  for (let level = 0; level < regions.length - 1; level++) {
    plan.push(toRegion(level, regions[level], 'PRIMARY'));
    if (level === regions.length - 2) {
      plan.push(toRegion(level, regions[level + 1], 'SECONDARY'));
    } else {
      plan.push({
        name: failoverChainName(flavor, level, zoneName),
        target: failoverChainName(flavor, level + 1, zoneName),
        failover: 'SECONDARY',
        setIdentifier: failoverChainSetIdentifier(flavor, level + 1),
        chainRegions: regions.slice(level + 1),
        level,
      });
    }
  }
  return plan;
}
