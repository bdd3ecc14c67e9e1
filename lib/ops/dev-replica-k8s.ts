import { FlavorsError } from '../errors';
import { KUBE_KINDS, type KubeClient, type KubeObject } from './dev-replica-kube';
import { DEV_REPLICA_LABELS, loginSecret } from './dev-replica-manifests';
import type { K8sDevPlan } from './dev-replica-plan';
import { pollUntil, type PollOptions } from './poll';

/** Applies a k8s dev cluster and waits until CloudNativePG reports it ready; returns where to connect. */
export async function applyK8sDevCluster(
  kube: KubeClient,
  plan: K8sDevPlan,
  password: string,
  created: { k8s: boolean },
  poll: PollOptions,
  log: (l: string) => void,
): Promise<{ host: string; serviceHost: string; port: number }> {
  const [namespace, ...rest] = plan.manifests;
  await kube.apply(namespace);
  created.k8s = true;
  await kube.apply(loginSecret(plan, password));
  for (const object of rest) await kube.apply(object);
  log(`applied Cluster ${plan.namespace}/${plan.replicaId} (recovery from ${plan.snapshot.snapshotHandle})`);
  await pollUntil(
    `Cluster ${plan.namespace}/${plan.replicaId} ready`,
    async () => {
      const status = (await kube.get(KUBE_KINDS.cluster, plan.namespace, plan.replicaId))?.status as
        { readyInstances?: number; phase?: string } | undefined;
      if (status?.phase && /fail/i.test(status.phase))
        throw new FlavorsError('DEV_REPLICA_RESTORE_FAILED', `Cluster ${plan.namespace}/${plan.replicaId}: ${status.phase}.`);
      return (status?.readyInstances ?? 0) >= 1 ? true : undefined;
    },
    poll,
  );
  // CloudNativePG's read-write service; the cluster IP is what this tool reaches, the DNS name what the hand-out names.
  const service = `${plan.replicaId}-rw`;
  const svc = await kube.get(KUBE_KINDS.service, plan.namespace, service);
  const spec = svc?.spec as { clusterIP?: string; ports?: { port?: number }[] } | undefined;
  if (!spec?.clusterIP) throw new FlavorsError('DEV_REPLICA_RESTORE_FAILED', `service ${plan.namespace}/${service} has no cluster IP.`);
  return { host: spec.clusterIP, serviceHost: `${service}.${plan.namespace}.svc`, port: spec.ports?.[0]?.port ?? plan.port };
}

/** The dev objects of one replica (found by its label), cluster first. The dev namespace stays. */
export async function deleteK8sDevCluster(kube: KubeClient, replicaId: string, log: (l: string) => void): Promise<void> {
  const selector = `${DEV_REPLICA_LABELS.replica}=${replicaId}`;
  for (const kind of [KUBE_KINDS.cluster, KUBE_KINDS.secret, KUBE_KINDS.volumeSnapshot, KUBE_KINDS.volumeSnapshotContent]) {
    const objects: KubeObject[] = await kube.list(kind, undefined, selector);
    for (const o of objects) {
      await kube.delete(kind, o.metadata.namespace, o.metadata.name);
      log(`deleted ${kind.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
    }
  }
}
