import type { Route53Client } from '@aws-sdk/client-route-53';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { hostedZoneName, primaryFromRecords, readEndpointRecords } from './dns-records';
import type { FailoverState } from './failover-state';

export interface CurrentPrimary {
  readonly region: string;
  readonly source: 'dns' | 'state-file' | 'flavor-file';
  /** Why DNS could not decide although a zone was given (the answer then comes from the next source). */
  readonly warning?: string;
}

/**
 * The region that writes now. The flavor file names the initial primary; a failover moves it.
 * In order: the region the flavor endpoint's records in Route 53 send clients to first (PRIMARY
 * record, or the simple CNAME with manual DNS failover), else the target of the
 * last finished failover in the local state file, else the flavor file.
 */
export async function resolvePrimary(
  flavor: Flavor,
  options: { route53?: Route53Client; hostedZoneId?: string; lastFailover?: FailoverState },
): Promise<CurrentPrimary> {
  let warning: string | undefined;
  if (options.route53 && options.hostedZoneId) {
    try {
      const at = {
        hostedZoneId: options.hostedZoneId,
        zoneName: await hostedZoneName(options.route53, options.hostedZoneId),
        flavor: flavor.name,
        regions: flavor.regions.map((r) => r.region),
      };
      const region = primaryFromRecords(await readEndpointRecords(options.route53, at), at);
      if (region) return { region, source: 'dns' };
      warning = `the records of ${flavor.name} in zone ${options.hostedZoneId} do not name one region first`;
    } catch (err) {
      if (!(err instanceof FlavorsError)) throw err;
      warning = err.message;
    }
  }
  if (options.lastFailover?.status === 'done' && flavor.regions.some((r) => r.region === options.lastFailover!.to)) {
    return { region: options.lastFailover.to, source: 'state-file', warning };
  }
  return { region: flavor.primaryRegion, source: 'flavor-file', warning };
}
