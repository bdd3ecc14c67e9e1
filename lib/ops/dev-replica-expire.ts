import type { DevReplicaInfo, InventoryDeps } from './dev-replica-inventory';
import { isExpired, listDevReplicas } from './dev-replica-inventory';
import { deleteEc2DevNode } from './dev-replica-ec2';
import { deleteK8sDevCluster } from './dev-replica-k8s';
import { deleteRdsDevCopy } from './dev-replica-rds';
import { deleteLogin } from './dev-replica-secret';
import type { PollOptions } from './poll';

export interface ExpireDeps extends InventoryDeps {
  readonly poll: PollOptions;
  readonly log: (line: string) => void;
}

export interface ExpireResult {
  /** Replicas past their expiry (deleted, or with `dryRun` the ones that would be). */
  readonly expired: readonly DevReplicaInfo[];
  /** Replicas not yet expired, or with no readable expiry (kept). */
  readonly kept: readonly DevReplicaInfo[];
  /** Replicas whose deletion failed, with the error; the next run tries again. */
  readonly failed: readonly { readonly replica: DevReplicaInfo; readonly error: string }[];
}

/**
 * Deletes every dev replica past its `flavors:expires-at`: nodes (then their volumes), DB instances
 * without a final snapshot, login secrets without a recovery window, and k8s dev clusters with
 * their objects. Only what `listDevReplicas` finds by the dev-replica tag (and `flavor`, if given) is touched.
 */
export async function expireDevReplicas(
  regions: readonly string[],
  now: Date,
  dryRun: boolean,
  deps: ExpireDeps,
  flavor?: string,
): Promise<ExpireResult> {
  const all = await listDevReplicas(regions, flavor, deps);
  const expired = all.filter((r) => isExpired(r, now));
  const kept = all.filter((r) => !isExpired(r, now));
  const failed: { replica: DevReplicaInfo; error: string }[] = [];
  if (dryRun) return { expired, kept, failed };
  for (const replica of expired) {
    try {
      const clients = deps.clientsFor(replica.region);
      const of = (type: string) => replica.resources.filter((r) => r.type === type).map((r) => r.id);
      for (const arn of of('secret')) await deleteLogin(clients.secretsmanager, arn);
      if (of('instance').length + of('volume').length > 0)
        await deleteEc2DevNode(clients.ec2, { instanceIds: of('instance'), volumeIds: of('volume') }, deps.poll, deps.log);
      const dbs = replica.resources.filter((r) => r.type === 'db-instance' && r.state !== 'deleting').map((r) => r.id);
      for (const id of dbs) await deleteRdsDevCopy(clients.rds, id, deps.log);
      if (deps.kubeFor && replica.resources.some((r) => r.type.startsWith('k8s-')))
        await deleteK8sDevCluster(deps.kubeFor(replica.region), replica.replicaId, deps.log);
      deps.log(`expired ${replica.replicaId} (${replica.region}, expired ${replica.expiresAt})`);
    } catch (err) {
      failed.push({ replica, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { expired, kept, failed };
}
