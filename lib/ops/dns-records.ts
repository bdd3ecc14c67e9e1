import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
  type Change,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { withoutTrailingDot } from '../aws-ids';
import { FlavorsError } from '../errors';
import { failoverChainName, regionalEndpointName } from '../failover/endpoint-names';
import { planFailoverRecords } from '../failover/failover-records';
import { FAILOVER_DEFAULTS } from '../failover/defaults';
import { pollUntil, type PollOptions } from './poll';

/**
 * The flavor endpoint's records as RegionalFailover creates them (lib/failover/failover-records.ts):
 * CNAMEs at `<flavor>.<zone>` (and, for more than two regions, a chain `fallback-<i>.<flavor>.<zone>`)
 * pointing at `<region>.<flavor>.<zone>`. With automatic DNS failover they are PRIMARY/SECONDARY
 * records; with manual DNS failover one simple CNAME. Either way the region the records send
 * clients to first is the current primary, and a failover re-plans the records with the target
 * first and the other regions in their current order.
 */

const normalize = (name: string) => withoutTrailingDot(name.toLowerCase());

/** The zone's name without the trailing dot, e.g. `flavors.example.com`. */
export async function hostedZoneName(route53: Route53Client, hostedZoneId: string): Promise<string> {
  try {
    const out = await route53.send(new GetHostedZoneCommand({ Id: hostedZoneId }));
    return normalize(out.HostedZone!.Name!);
  } catch (err) {
    if (err instanceof Error && err.name === 'NoSuchHostedZone') {
      throw new FlavorsError(
        'FAILOVER_HOSTED_ZONE_NOT_FOUND',
        `hosted zone ${hostedZoneId} does not exist; pass the zone of the flavor endpoints with --hosted-zone-id.`,
      );
    }
    throw err;
  }
}

/** Where the endpoint records are: zone and the flavor's regions (in flavor order). */
export interface EndpointLocation {
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly flavor: string;
  readonly regions: readonly string[];
}

async function recordsAt(route53: Route53Client, hostedZoneId: string, name: string): Promise<ResourceRecordSet[]> {
  const found: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string; id?: string } = { name, type: 'CNAME' };
  for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as never,
        StartRecordIdentifier: start.id,
      }),
    );
    found.push(...(page.ResourceRecordSets ?? []).filter((rs) => normalize(rs.Name ?? '') === name && rs.Type === 'CNAME'));
    // The listing starts at our name and keeps a name's records together: stop when the next page starts elsewhere.
    if (!page.IsTruncated || !page.NextRecordName || normalize(page.NextRecordName) !== name || page.NextRecordType !== 'CNAME') break;
    start = { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier };
  }
  return found;
}

/** The endpoint's CNAME records at every chain level. */
export async function readEndpointRecords(route53: Route53Client, at: EndpointLocation): Promise<ResourceRecordSet[]> {
  const records: ResourceRecordSet[] = [];
  for (let level = 0; level < Math.max(1, at.regions.length - 1); level++) {
    records.push(...(await recordsAt(route53, at.hostedZoneId, failoverChainName(at.flavor, level, at.zoneName))));
  }
  return records;
}

function targetOf(rs: ResourceRecordSet): string {
  return normalize(rs.ResourceRecords?.[0]?.Value ?? '');
}

function regionOf(rs: ResourceRecordSet, at: EndpointLocation): string | undefined {
  const target = targetOf(rs);
  return at.regions.find((r) => regionalEndpointName(at.flavor, r, at.zoneName) === target);
}

/**
 * The order in which the records send clients to regions (first = current primary), or undefined
 * when the records are missing or inconsistent.
 */
export function recordOrder(records: readonly ResourceRecordSet[], at: EndpointLocation): string[] | undefined {
  const order: string[] = [];
  const levels = Math.max(1, at.regions.length - 1);
  for (let level = 0; level < levels; level++) {
    const name = failoverChainName(at.flavor, level, at.zoneName);
    const here = records.filter((rs) => normalize(rs.Name ?? '') === name);
    if (level === 0 && here.length === 1 && !here[0].Failover) {
      const region = regionOf(here[0], at);
      return region ? [region, ...at.regions.filter((r) => r !== region)] : undefined;
    }
    const primary = here.filter((rs) => rs.Failover === 'PRIMARY');
    const region = primary.length === 1 ? regionOf(primary[0], at) : undefined;
    if (!region) return undefined;
    order.push(region);
    if (level === levels - 1) {
      const secondary = here.filter((rs) => rs.Failover === 'SECONDARY').map((rs) => regionOf(rs, at));
      if (secondary.length !== 1 || !secondary[0]) return undefined;
      order.push(secondary[0]);
    }
  }
  return new Set(order).size === order.length ? order : undefined;
}

/** The region clients reach first, per the records. */
export function primaryFromRecords(records: readonly ResourceRecordSet[], at: EndpointLocation): string | undefined {
  return recordOrder(records, at)?.[0];
}

/** What switching the primary takes: record changes (one batch) and chain health checks to re-point. */
export interface DnsSwitch {
  readonly changes: Change[];
  readonly healthChecks: readonly { readonly healthCheckId: string; readonly children: readonly string[] }[];
  /** The region order after the switch. */
  readonly order: readonly string[];
}

const same = (a: ResourceRecordSet, b: ResourceRecordSet) =>
  a.Failover === b.Failover && targetOf(a) === targetOf(b) && (a.HealthCheckId ?? '') === (b.HealthCheckId ?? '');

/**
 * The changes that make `target` the region clients reach first: the records re-planned for the
 * order [target, then the others as they are now], applied as one batch (Route 53 checks the end
 * state, so a name never has two PRIMARY records). Each region keeps its health check, records keep
 * their TTL. Empty when the target is already first.
 */
export function planDnsSwitch(records: readonly ResourceRecordSet[], at: EndpointLocation, target: string): DnsSwitch {
  const current = recordOrder(records, at);
  if (!current) {
    throw new FlavorsError(
      'FAILOVER_DNS_RECORD_MISSING',
      `the records of ${failoverChainName(at.flavor, 0, at.zoneName)} in zone ${at.hostedZoneId} are missing or do ` +
        `not name one region first; deploy the flavor's DNS stack (RegionalFailover) or pass the right --hosted-zone-id.`,
    );
  }
  const order = [target, ...current.filter((r) => r !== target)];
  if (current[0] === target) return { changes: [], healthChecks: [], order };
  const automatic = records.some((rs) => rs.Failover);
  const ttl = records[0]?.TTL ?? FAILOVER_DEFAULTS.ttlSeconds;
  const regionCheck = new Map<string, string>();
  for (const rs of records) {
    const region = regionOf(rs, at);
    if (region && rs.HealthCheckId) regionCheck.set(region, rs.HealthCheckId);
  }
  const keyOf = (name: string, setIdentifier: string | undefined) => `${normalize(name)}|${setIdentifier ?? ''}`;
  const existing = new Map(records.map((rs) => [keyOf(rs.Name ?? '', rs.SetIdentifier), rs]));
  const changes: Change[] = [];
  const healthChecks: { healthCheckId: string; children: string[] }[] = [];
  const wanted = new Set<string>();
  for (const plan of planFailoverRecords(at.flavor, order, at.zoneName, automatic)) {
    const key = keyOf(plan.name, plan.setIdentifier);
    wanted.add(key);
    const old = existing.get(key);
    const healthCheckId = plan.region ? regionCheck.get(plan.region) : old?.HealthCheckId;
    if (plan.chainRegions && old?.HealthCheckId) {
      healthChecks.push({
        healthCheckId: old.HealthCheckId,
        children: plan.chainRegions.map((r) => regionCheck.get(r)).filter((id): id is string => !!id),
      });
    }
    const desired: ResourceRecordSet = {
      Name: plan.name,
      Type: 'CNAME',
      TTL: old?.TTL ?? ttl,
      ResourceRecords: [{ Value: plan.target }],
      ...(plan.failover ? { Failover: plan.failover, SetIdentifier: plan.setIdentifier } : {}),
      ...(healthCheckId && plan.failover ? { HealthCheckId: healthCheckId } : {}),
    };
    if (!old || !same(old, desired)) changes.push({ Action: 'UPSERT', ResourceRecordSet: desired });
  }
  for (const [key, rs] of existing) if (!wanted.has(key)) changes.unshift({ Action: 'DELETE', ResourceRecordSet: rs });
  return { changes, healthChecks, order };
}

/** Submits the record changes (after re-pointing chain health checks) and returns the change id. */
export async function applyDnsSwitch(route53: Route53Client, hostedZoneId: string, plan: DnsSwitch, comment: string): Promise<string> {
  for (const hc of plan.healthChecks) {
    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: hc.healthCheckId, ChildHealthChecks: [...hc.children], HealthThreshold: 1 }));
  }
  const out = await route53.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Comment: comment, Changes: plan.changes } }),
  );
  return out.ChangeInfo!.Id!;
}

/** Waits until Route 53 reports the change INSYNC on all its name servers. */
export async function waitInsync(route53: Route53Client, changeId: string, poll: PollOptions): Promise<void> {
  await pollUntil(
    `DNS change ${changeId} INSYNC`,
    async () => {
      const out = await route53.send(new GetChangeCommand({ Id: changeId }));
      return out.ChangeInfo?.Status === 'INSYNC' ? true : undefined;
    },
    poll,
  );
}

/** `CNAME us-east-1 PRIMARY -> SECONDARY`-style lines for the plan. */
export function describeChanges(changes: readonly Change[], at: EndpointLocation): string[] {
  return changes.map((c) => {
    const rs = c.ResourceRecordSet!;
    const region = regionOf(rs, at) ?? targetOf(rs);
    return `${c.Action} ${normalize(rs.Name ?? '')} ${rs.Failover ?? 'simple'} -> ${region}`;
  });
}
