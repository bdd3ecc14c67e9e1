import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import type { ClientsFor } from './aws-clients';
import { connectionKey, redactUrl, type ConnectionResolver, type DatabaseRef } from './connections';
import { OPS_DEFAULTS } from './defaults';
import { findNodes } from './ec2-inventory';
import { findRdsInstances } from './rds-inventory';

/**
 * The write fence of a failover in the databases (lib/fence): which databases get their
 * `flavors_fence` bumped, through which connection, and which security groups are cut when the
 * old primary's database does not answer.
 */
export interface DbFencePlan {
  readonly database: string;
  readonly platform: 'ec2' | 'rds' | 'k8s';
  /** The old primary's database: connections-file key and URL (password redacted) when the file has one. */
  readonly source: { readonly key: string; readonly url?: string };
  /** The target's database, bumped before it takes writes. */
  readonly target: { readonly key: string; readonly url?: string };
  /** Ingress cut on the old primary when its database does not answer; unset when it could not be read. */
  readonly isolation?: { readonly port: number; readonly securityGroupIds: readonly string[] };
}

export interface PlanDbFencesOptions {
  readonly flavor: Flavor;
  readonly from: string;
  readonly target: string;
  readonly clientsFor: ClientsFor;
  /** @default none: every database's connection is missing */
  readonly connections?: ConnectionResolver;
  /** Fence `k8s` databases too (the failover promotes their replica clusters). @default false */
  readonly includeK8s?: boolean;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function urlOf(connections: ConnectionResolver | undefined, ref: DatabaseRef): Promise<string | undefined> {
  if (!connections) return undefined;
  try {
    return redactUrl(await connections(ref));
  } catch (err) {
    if (err instanceof FlavorsError && err.code === 'CONNECTION_MISSING') return undefined;
    throw err;
  }
}

/**
 * Plans the database fence of every PostgreSQL database the failover restores or promotes. A target
 * without a connection is a refusal (its fence must move before it takes writes); an old primary
 * without one is planned as not answering, so its ingress is cut.
 */
export async function planDbFences(
  options: PlanDbFencesOptions,
  refuse: (code: string, message: string) => void,
  warnings: string[],
): Promise<DbFencePlan[]> {
  const { flavor, from, target, clientsFor, connections } = options;
  const plans: DbFencePlan[] = [];
  for (const [database, spec] of Object.entries(flavor.databases)) {
    // Without a Kubernetes client the failover does not promote them; the plan's skipped list says so.
    if (spec.platform === 'k8s' && !options.includeK8s) continue;
    if (spec.engine !== 'postgres') {
      warnings.push(
        `${database} (${spec.engine}): the write fence exists for PostgreSQL only; its writers are fenced by token epochs and expiry alone`,
      );
      continue;
    }
    const sourceRef = { flavor: flavor.name, region: from, database };
    const targetRef = { flavor: flavor.name, region: target, database };
    const source = { key: connectionKey(sourceRef), url: await urlOf(connections, sourceRef) };
    const targetConn = { key: connectionKey(targetRef), url: await urlOf(connections, targetRef) };
    if (!targetConn.url) {
      refuse(
        'FAILOVER_DB_FENCE_NO_CONNECTION',
        `${database}: no connection for ${targetConn.key}; its flavors_fence must be bumped before ${target} takes writes: ` +
          `add "${targetConn.key}": "postgresql://…" to the connections file (--connections).`,
      );
    }
    let isolation: DbFencePlan['isolation'];
    try {
      // k8s: no security group to cut; the cluster's demotion (failover-k8s.ts) is what stops its writes.
      if (spec.platform === 'ec2') {
        const nodes = await findNodes(clientsFor(from).ec2, from, flavor.name, database);
        isolation = { port: OPS_DEFAULTS.postgresPort, securityGroupIds: [...new Set(nodes.flatMap((n) => n.securityGroupIds))].sort() };
      } else if (spec.platform === 'rds') {
        const primaries = (await findRdsInstances(clientsFor(from).rds, from, flavor.name, database)).filter((i) => !i.replicaSource);
        isolation = {
          port: primaries.find((p) => p.port)?.port ?? OPS_DEFAULTS.postgresPort,
          securityGroupIds: [...new Set(primaries.flatMap((p) => p.securityGroupIds))].sort(),
        };
      }
    } catch (err) {
      warnings.push(
        `could not read the security groups of ${database} in ${from} ` +
          `(${errorText(err)}); if its database does not answer, its ingress cannot be cut`,
      );
    }
    if (!source.url)
      warnings.push(
        `${database}: no connection for ${source.key}; the old primary counts as not answering, ` +
          `so ${spec.platform === 'k8s' ? "only its cluster's demotion fences it" : 'its ingress is cut'}`,
      );
    plans.push({ database, platform: spec.platform, source, target: targetConn, isolation });
  }
  return plans;
}

/** Plan lines under step 1 (old primary) and step 2 (target). */
export function formatDbFences(plans: readonly DbFencePlan[], from: string, to: string): { fence: string[]; target: string[] } {
  const fence = plans.map(
    (p) =>
      `     ${p.database}: bump flavors_fence ` +
      `in ${p.source.key}${p.source.url ? ` (${p.source.url})` : ' (no connection)'}; if it does not answer, ` +
      (p.platform === 'k8s'
        ? `its cluster's demotion fences it; if that fails too, ${to} waits until tokens of the old epoch expire.`
        : p.isolation && p.isolation.securityGroupIds.length > 0
          ? `revoke ingress on port ${p.isolation.port} of ${p.isolation.securityGroupIds.join(', ')} ` +
            `in ${from} (--abort authorizes it again), and ${to} waits until tokens of the old epoch expire.`
          : `no security group to cut was found in ${from}; ${to} waits until tokens of the old epoch expire.`),
  );
  const target = plans.map(
    (p) =>
      `     ${p.database}: bump flavors_fence in ${p.target.key}${p.target.url ? ` (${p.target.url})` : ' (no connection)'} ` +
      `for every fenced space before DNS sends writes to ${to}.`,
  );
  return { fence, target };
}
