import { PolicyError } from '../errors';
import { Problems } from '../problems';
import { regionInfo } from './regions';
import { flavorRegions } from './define-flavor';
import type { FailoverMode, Flavor } from './types';

/**
 * What a client (licence) or a space may override. Residency can only be narrowed and safety only
 * strengthened relative to the level above; the same shape is stored in lookup records.
 */
export interface PolicyOverride {
  /** Restrict to these regions, a subset of the level above. */
  readonly regions?: readonly string[];
  /** Restrict to regions in these countries (ISO 3166-1 alpha-2), a subset of the level above. */
  readonly countries?: readonly string[];
  /** Snapshot every N hours; may only be shorter than above. */
  readonly backupIntervalHours?: number;
  /** Keep at least N snapshots; may only be more than above. */
  readonly backupRetain?: number;
  /** May only go from 'automatic' to 'manual'. */
  readonly dnsFailover?: FailoverMode;
}

/** One level below the flavor, e.g. `{ level: 'client', id: 'c-acme' }`. */
export interface PolicyLevel {
  readonly level: 'client' | 'space';
  readonly id: string;
  readonly policy?: PolicyOverride;
}

/** The policy in force for a space after defaults → flavor → client → space. */
export interface EffectivePolicy {
  readonly flavor: string;
  /** Allowed regions in flavor order. */
  readonly regions: readonly string[];
  /** The flavor's primary if allowed, otherwise the first allowed region. */
  readonly homeRegion: string;
  readonly fallbacks: readonly string[];
  readonly backupIntervalHours: number;
  readonly backupRetain: number;
  readonly dnsFailover: FailoverMode;
  readonly databaseFailover: FailoverMode;
}

/**
 * Resolves the effective policy of a space. Pure. Throws one `PolicyError` listing every attempt
 * to widen residency or weaken safety, each naming the offending level and the level it would widen.
 */
export function resolvePolicy(flavor: Flavor, levels: readonly PolicyLevel[]): EffectivePolicy {
  const problems = new Problems();
  let regions = flavorRegions(flavor);
  let interval = flavor.backup.intervalHours;
  let retain = flavor.backup.retain;
  let dns: FailoverMode = flavor.failover.dns;
  let above = `flavor ${flavor.name}`;

  for (const { level, id, policy } of levels) {
    const here = `${level} ${id}`;
    if (!policy) {
      above = here;
      continue;
    }
    let narrowed = regions;
    if (policy.regions) {
      for (const region of policy.regions) {
        if (!regionInfo(region)) problems.error(`${here}.regions`, 'POLICY_REGION_UNKNOWN', `${region} is not an AWS commercial region.`);
        else if (!regions.includes(region)) {
          problems.error(
            `${here}.regions`,
            'POLICY_REGION_WIDENS',
            `${here} allows ${region}, which ${above} does not allow (${regions.join(', ')}); a ${level} may only narrow residency.`,
          );
        }
      }
      narrowed = narrowed.filter((r) => policy.regions!.includes(r));
    }
    if (policy.countries) {
      const allowedCountries = new Set(regions.map((r) => regionInfo(r)!.country));
      for (const country of policy.countries) {
        if (!allowedCountries.has(country)) {
          problems.error(
            `${here}.countries`,
            'POLICY_COUNTRY_WIDENS',
            `${here} allows ${country}, which ${above} does not allow (${[...allowedCountries].join(', ')}); a ${level} may only narrow residency.`,
          );
        }
      }
      narrowed = narrowed.filter((r) => policy.countries!.includes(regionInfo(r)!.country));
    }
    if ((policy.regions || policy.countries) && narrowed.length === 0) {
      problems.error(`${here}`, 'POLICY_REGIONS_EMPTY', `${here} leaves no region of ${above} (${regions.join(', ')}); keep at least one.`);
    }
    if (policy.backupIntervalHours !== undefined) {
      if (policy.backupIntervalHours > interval) {
        problems.error(
          `${here}.backupIntervalHours`,
          'POLICY_BACKUP_WEAKENS',
          `${here} snapshots every ${policy.backupIntervalHours} h, less often ` +
            `than ${above} (${interval} h); a ${level} may only snapshot more often.`,
        );
      } else interval = policy.backupIntervalHours;
    }
    if (policy.backupRetain !== undefined) {
      if (policy.backupRetain < retain) {
        problems.error(
          `${here}.backupRetain`,
          'POLICY_RETENTION_WEAKENS',
          `${here} keeps ${policy.backupRetain} snapshots, fewer than ${above} (${retain}); a ${level} may only keep more.`,
        );
      } else retain = policy.backupRetain;
    }
    if (policy.dnsFailover !== undefined) {
      if (policy.dnsFailover === 'automatic' && dns === 'manual') {
        problems.error(
          `${here}.dnsFailover`,
          'POLICY_FAILOVER_WEAKENS',
          `${here} sets automatic DNS failover but ${above} requires manual; a ${level} may only make failover more manual.`,
        );
      } else dns = policy.dnsFailover;
    }
    if (narrowed.length > 0) regions = narrowed;
    above = here;
  }
  if (problems.errors.length > 0) throw new PolicyError(problems.errors);
  const homeRegion = regions.includes(flavor.primaryRegion) ? flavor.primaryRegion : regions[0];
  return {
    flavor: flavor.name,
    regions,
    homeRegion,
    fallbacks: regions.filter((r) => r !== homeRegion),
    backupIntervalHours: interval,
    backupRetain: retain,
    dnsFailover: dns,
    databaseFailover: flavor.failover.database,
  };
}
