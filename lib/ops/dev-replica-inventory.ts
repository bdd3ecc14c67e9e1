import { DescribeInstancesCommand, DescribeVolumesCommand, type Filter, type Tag } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DB_TAGS, DEV_REPLICA_TAGS } from '../database/tags';
import type { ClientsFor } from './aws-clients';
import { KUBE_KINDS, type KubeFor } from './dev-replica-kube';
import { DEV_REPLICA_LABELS } from './dev-replica-manifests';

/**
 * Dev replicas as their tags describe them: EC2 instances and volumes, RDS instances and Secrets
 * Manager secrets carrying `flavors:dev-replica`, and Kubernetes objects carrying the
 * `flavors/dev-replica` label. Nothing else is ever listed, so nothing else is ever expired.
 */

export type DevResourceType =
  'instance' | 'volume' | 'db-instance' | 'secret' | 'k8s-cluster' | 'k8s-secret' | 'k8s-volume-snapshot' | 'k8s-volume-snapshot-content';

export interface DevResource {
  readonly type: DevResourceType;
  /** Instance/volume/DB identifier, secret ARN, or `<namespace>/<name>` (cluster-scoped: `<name>`). */
  readonly id: string;
  readonly state: string;
}

export interface DevReplicaInfo {
  readonly replicaId: string;
  readonly region: string;
  readonly flavor?: string;
  readonly database?: string;
  readonly owner?: string;
  /** As tagged; undefined when missing. */
  readonly expiresAt?: string;
  readonly resources: readonly DevResource[];
}

export interface InventoryDeps {
  readonly clientsFor: ClientsFor;
  /** Kubernetes clusters of the regions; without it k8s dev clusters are not looked at. */
  readonly kubeFor?: KubeFor;
}

const tagMap = (tags: readonly Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

interface Found {
  tags: Record<string, string>;
  resource: DevResource;
}

async function awsResources(clientsFor: ClientsFor, region: string, flavor: string | undefined): Promise<Found[]> {
  const { ec2, rds, secretsmanager } = clientsFor(region);
  const filters: Filter[] = [
    { Name: 'tag-key', Values: [DEV_REPLICA_TAGS.replica] },
    ...(flavor ? [{ Name: `tag:${DB_TAGS.flavor}`, Values: [flavor] }] : []),
  ];
  const found: Found[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [...filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }],
        NextToken: token,
      }),
    );
    for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? []))
      found.push({ tags: tagMap(i.Tags), resource: { type: 'instance', id: i.InstanceId!, state: i.State?.Name ?? 'unknown' } });
    token = page.NextToken;
  } while (token);
  do {
    const page = await ec2.send(new DescribeVolumesCommand({ Filters: filters, NextToken: token }));
    for (const v of page.Volumes ?? [])
      found.push({ tags: tagMap(v.Tags), resource: { type: 'volume', id: v.VolumeId!, state: v.State ?? 'unknown' } });
    token = page.NextToken;
  } while (token);
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ Marker: token }));
    for (const d of page.DBInstances ?? [])
      found.push({ tags: tagMap(d.TagList), resource: { type: 'db-instance', id: d.DBInstanceIdentifier!, state: d.DBInstanceStatus ?? 'unknown' } });
    token = page.Marker;
  } while (token);
  do {
    const page = await secretsmanager.send(
      new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: [DEV_REPLICA_TAGS.replica] }], NextToken: token }),
    );
    for (const s of page.SecretList ?? []) found.push({ tags: tagMap(s.Tags), resource: { type: 'secret', id: s.ARN!, state: 'stored' } });
    token = page.NextToken;
  } while (token);
  return found.filter((f) => f.tags[DEV_REPLICA_TAGS.replica] && (!flavor || f.tags[DB_TAGS.flavor] === flavor));
}

const K8S_TYPES: readonly [keyof typeof KUBE_KINDS, DevResourceType][] = [
  ['cluster', 'k8s-cluster'],
  ['secret', 'k8s-secret'],
  ['volumeSnapshot', 'k8s-volume-snapshot'],
  ['volumeSnapshotContent', 'k8s-volume-snapshot-content'],
];

async function k8sResources(kubeFor: KubeFor, region: string, flavor: string | undefined): Promise<Found[]> {
  const kube = kubeFor(region);
  const selector = [DEV_REPLICA_LABELS.replica, ...(flavor ? [`${DEV_REPLICA_LABELS.flavor}=${flavor}`] : [])].join(',');
  const found: Found[] = [];
  for (const [kind, type] of K8S_TYPES) {
    for (const o of await kube.list(KUBE_KINDS[kind], undefined, selector)) {
      const labels = o.metadata.labels ?? {};
      const annotations = o.metadata.annotations ?? {};
      const status = o.status as { phase?: string; readyToUse?: boolean } | undefined;
      found.push({
        tags: {
          [DEV_REPLICA_TAGS.replica]: labels[DEV_REPLICA_LABELS.replica] ?? '',
          [DB_TAGS.flavor]: labels[DEV_REPLICA_LABELS.flavor] ?? '',
          [DEV_REPLICA_TAGS.source]: labels[DEV_REPLICA_LABELS.source] ?? '',
          [DEV_REPLICA_TAGS.owner]: annotations[DEV_REPLICA_LABELS.owner] ?? '',
          [DEV_REPLICA_TAGS.expiresAt]: annotations[DEV_REPLICA_LABELS.expiresAt] ?? '',
        },
        resource: {
          type,
          id: o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
          state: status?.phase ?? (status?.readyToUse ? 'ready' : 'present'),
        },
      });
    }
  }
  return found.filter((f) => f.tags[DEV_REPLICA_TAGS.replica]);
}

/** Dev replicas in the regions, grouped by replica id, sorted by region then id. */
export async function listDevReplicas(regions: readonly string[], flavor: string | undefined, deps: InventoryDeps): Promise<DevReplicaInfo[]> {
  const replicas = new Map<string, { info: Omit<DevReplicaInfo, 'resources'>; resources: DevResource[] }>();
  for (const region of [...new Set(regions)].sort()) {
    const found = [
      ...(await awsResources(deps.clientsFor, region, flavor)),
      ...(deps.kubeFor ? await k8sResources(deps.kubeFor, region, flavor) : []),
    ];
    for (const f of found) {
      const id = f.tags[DEV_REPLICA_TAGS.replica];
      const key = `${region}|${id}`;
      const entry = replicas.get(key) ?? { info: { replicaId: id, region }, resources: [] };
      const pick = (k: string) => f.tags[k] || undefined;
      entry.info = {
        ...entry.info,
        flavor: entry.info.flavor ?? pick(DB_TAGS.flavor),
        database: entry.info.database ?? pick(DEV_REPLICA_TAGS.source),
        owner: entry.info.owner ?? pick(DEV_REPLICA_TAGS.owner),
        expiresAt: entry.info.expiresAt ?? pick(DEV_REPLICA_TAGS.expiresAt),
      };
      entry.resources.push(f.resource);
      replicas.set(key, entry);
    }
  }
  return [...replicas.values()]
    .map((e) => ({ ...e.info, resources: e.resources }))
    .sort((a, b) => a.region.localeCompare(b.region) || a.replicaId.localeCompare(b.replicaId));
}

/** Past its expiry tag; a missing or unreadable expiry is never past (nothing is deleted on a guess). */
export function isExpired(replica: DevReplicaInfo, now: Date): boolean {
  const at = replica.expiresAt ? Date.parse(replica.expiresAt) : NaN;
  return Number.isFinite(at) && at <= now.getTime();
}

export function formatDevReplicas(replicas: readonly DevReplicaInfo[], now: Date): string[] {
  if (replicas.length === 0) return ['No dev replicas.'];
  const rows = replicas.map((r) => [
    r.replicaId,
    r.region,
    `${r.flavor ?? '?'}/${r.database ?? '?'}`,
    r.owner ?? '?',
    `${r.expiresAt ?? '?'}${isExpired(r, now) ? ' (expired)' : ''}`,
    r.resources.map((x) => `${x.type} ${x.id} ${x.state}`).join(', '),
  ]);
  const header = ['REPLICA', 'REGION', 'DATABASE', 'OWNER', 'EXPIRES', 'RESOURCES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}
