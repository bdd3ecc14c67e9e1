import { regionsMentioned } from './rules/foreign-region-reference';

/** A Kubernetes manifest as written by `flavors k8s synth`. */
export interface K8sManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

export interface ManifestResidencyContext {
  /** The region whose cluster the manifests are applied to. */
  readonly region: string;
  /** The flavor's regions. */
  readonly allowedRegions: readonly string[];
  /** The flavor: mirrored topics must be its own. */
  readonly flavor: string;
}

export interface ManifestViolation {
  readonly ruleId: string;
  /** `<kind>/<name>`. */
  readonly manifest: string;
  /** Field path inside the manifest. */
  readonly location: string;
  readonly message: string;
  readonly fix: string;
}

// A name without a dot, or under the cluster's own service domain, resolves inside this region's cluster.
const CLUSTER_LOCAL = /^[a-z0-9-]+$|\.svc(\.cluster\.local)?$/;
// Connector settings that name where data is read from or written to (Debezium sources, sink connectors).
const ADDRESS_KEY = /(bootstrap\.servers|hostname|\.host|\.url|\.uri|\.endpoint)$/;

// `scheme://[user@]host…`, including nested schemes such as `jdbc:postgresql://`.
const URL_HOST = /^[a-z][a-z0-9+.:-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]+)/i;

/** The hosts of `host:port[,host:port]` or a URL. */
function hostsOf(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => URL_HOST.exec(part)?.[1] ?? part.replace(/:\d+$/, ''));
}

function walkStrings(value: unknown, location: string, visit: (text: string, location: string) => void): void {
  if (typeof value === 'string') visit(value, location);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${location}/${i}`, visit));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      visit(k, `${location}/${k}`);
      walkStrings(v, location ? `${location}/${k}` : k, visit);
    }
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Proves that a region's manifests keep data inside the flavor: no string names a foreign region;
 * Kafka Connect and connectors write only to this region's Kafka; every database or sink address
 * names a flavor region (or is a service of this cluster); MirrorMaker 2 connects only the flavor's
 * regions, writes into this one, and mirrors only the flavor's own topics. A pure function of the
 * manifests: `flavors k8s synth` runs it before writing anything.
 */
export function checkManifestResidency(manifests: readonly K8sManifest[], context: ManifestResidencyContext): ManifestViolation[] {
  const out: ManifestViolation[] = [];
  const allowed = context.allowedRegions.join(', ');
  for (const m of manifests) {
    const manifest = `${m.kind}/${m.metadata?.name ?? '?'}`;
    const add = (ruleId: string, location: string, message: string, fix: string) => out.push({ ruleId, manifest, location, message, fix });
    const spec = (m.spec ?? {}) as Record<string, unknown>;

    walkStrings(m, '', (text, location) => {
      for (const region of regionsMentioned(text)) {
        if (!context.allowedRegions.includes(region))
          add('RES_K8S_FOREIGN_REGION', location, `names ${region}, outside the flavor's regions (${allowed})`, "Name only the flavor's regions.");
      }
    });
    /** An address must be a service of this cluster or name one of `regions` (and no other region). */
    const checkAddress = (value: unknown, location: string, regions: readonly string[], what: string) => {
      if (typeof value !== 'string') return;
      for (const host of hostsOf(value)) {
        if (CLUSTER_LOCAL.test(host)) continue;
        const named = regionsMentioned(host);
        if (named.length === 0 || named.some((r) => !regions.includes(r))) {
          add(
            'RES_K8S_ADDRESS_OUTSIDE',
            location,
            `${what} ${host} is not in ${regions.join(', ')}`,
            `Point it at the flavor's own ${what} in ${regions.join(', ')} (a name carrying the region, or a service of this cluster).`,
          );
        }
      }
    };

    if (m.kind === 'KafkaConnect') checkAddress(spec.bootstrapServers, 'spec/bootstrapServers', [context.region], 'Kafka');
    if (m.kind === 'KafkaConnect' || m.kind === 'KafkaConnector') {
      for (const [key, value] of Object.entries((spec.config ?? {}) as Record<string, unknown>)) {
        if (!ADDRESS_KEY.test(key)) continue;
        const own = /bootstrap\.servers$/.test(key) || key === 'database.hostname';
        checkAddress(value, `spec/config/${key}`, own ? [context.region] : context.allowedRegions, own ? 'in-region endpoint' : 'sink or source');
      }
    }
    if (m.kind === 'KafkaMirrorMaker2') {
      const clusters = (spec.clusters ?? []) as { alias?: string; bootstrapServers?: string }[];
      const aliases = new Set(clusters.map((c) => c.alias));
      clusters.forEach((c, i) =>
        checkAddress(
          c.bootstrapServers,
          `spec/clusters/${i}/bootstrapServers`,
          c.alias === spec.connectCluster ? [context.region] : context.allowedRegions,
          'Kafka',
        ),
      );
      const mirrors = (spec.mirrors ?? []) as { sourceCluster?: string; targetCluster?: string; topicsPattern?: string }[];
      const ownTopics = `${escapeRegex(`${context.flavor}.`)}`;
      mirrors.forEach((mirror, i) => {
        for (const end of ['sourceCluster', 'targetCluster'] as const) {
          if (!aliases.has(mirror[end]))
            add(
              'RES_K8S_MIRROR_CLUSTER',
              `spec/mirrors/${i}/${end}`,
              `${end} ${mirror[end]} is not one of the declared clusters`,
              "Mirror only between the clusters declared in spec.clusters (the flavor's regions).",
            );
        }
        if (mirror.targetCluster !== spec.connectCluster)
          add(
            'RES_K8S_MIRROR_CLUSTER',
            `spec/mirrors/${i}/targetCluster`,
            `mirrors into ${mirror.targetCluster}, not into this region's cluster ${String(spec.connectCluster)}`,
            "Each region's MirrorMaker 2 writes only into its own region's Kafka.",
          );
        if (typeof mirror.topicsPattern !== 'string' || !mirror.topicsPattern.startsWith(ownTopics)) {
          add(
            'RES_K8S_MIRROR_TOPICS',
            `spec/mirrors/${i}/topicsPattern`,
            `mirrors ${String(mirror.topicsPattern)}, not only the flavor's topics (${ownTopics}…)`,
            `Restrict topicsPattern to '${ownTopics}<region>\\..*'.`,
          );
        }
      });
    }
  }
  return out;
}

export function formatManifestViolation(v: ManifestViolation, where: string): string {
  return `${v.ruleId}: ${where} / ${v.manifest} / ${v.location}: ${v.message}. ${v.fix}`;
}
