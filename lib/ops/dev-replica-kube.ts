import { execFile } from 'child_process';
import { FlavorsError } from '../errors';

/**
 * The few Kubernetes calls dev replicas make, as an interface: the CLI passes `kubectlClient`
 * (the cluster's own `kubectl`, no client library), tests a fake cluster.
 */

export interface KubeKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** `<plural>.<group>` as kubectl names the resource. */
  readonly resource: string;
  readonly namespaced: boolean;
}

export const KUBE_KINDS = {
  namespace: { apiVersion: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
  secret: { apiVersion: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true },
  service: { apiVersion: 'v1', kind: 'Service', resource: 'services', namespaced: true },
  cluster: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', resource: 'clusters.postgresql.cnpg.io', namespaced: true },
  volumeSnapshot: {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    resource: 'volumesnapshots.snapshot.storage.k8s.io',
    namespaced: true,
  },
  volumeSnapshotContent: {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    resource: 'volumesnapshotcontents.snapshot.storage.k8s.io',
    namespaced: false,
  },
} as const satisfies Record<string, KubeKind>;

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
  };
  readonly [field: string]: unknown;
}

export interface KubeClient {
  /** Objects of a kind; `namespace` undefined lists every namespace (or the cluster-scoped kind). */
  list(kind: KubeKind, namespace: string | undefined, labelSelector: string): Promise<KubeObject[]>;
  get(kind: KubeKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Server-side create-or-update. */
  apply(object: KubeObject): Promise<void>;
  /** Deletes; a missing object is fine. */
  delete(kind: KubeKind, namespace: string | undefined, name: string): Promise<void>;
}

/** Kubernetes clients per flavor region (each region runs its own cluster). */
export type KubeFor = (region: string) => KubeClient;

export type KubectlRun = (args: readonly string[], stdin?: string) => Promise<string>;

/** Runs `kubectl` (or `binary`); a failure becomes one FlavorsError with `code` and kubectl's first error line. */
export function runKubectl(binary: string, code = 'DEV_REPLICA_KUBECTL_FAILED'): KubectlRun {
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = execFile(binary, [...args], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
        if (err) {
          const why = (stderr || err.message).trim().split('\n')[0];
          reject(new FlavorsError(code, `kubectl ${args.filter((a) => a !== '-f' && a !== '-').join(' ')}: ${why}`));
        } else {
          resolve(stdout);
        }
      });
      // Always close stdin: an auth plugin or prompt waiting on it would otherwise hang the run.
      child.stdin?.end(stdin ?? '');
    });
}

/**
 * A KubeClient over `kubectl --context <context>` (context per region, e.g. from a template
 * `{region}`). Objects go in as JSON on stdin, so a Secret's data never appears in arguments.
 */
export function kubectlClient(context: string, binary = 'kubectl'): KubeClient {
  const run = runKubectl(binary);
  const base = ['--context', context];
  const ns = (kind: KubeKind, namespace: string | undefined) => (kind.namespaced ? (namespace ? ['-n', namespace] : ['--all-namespaces']) : []);
  return {
    async list(kind, namespace, labelSelector) {
      const out = await run([...base, 'get', kind.resource, ...ns(kind, namespace), '-l', labelSelector, '-o', 'json']);
      return (JSON.parse(out) as { items?: KubeObject[] }).items ?? [];
    },
    async get(kind, namespace, name) {
      const out = await run([...base, 'get', kind.resource, name, ...ns(kind, namespace), '--ignore-not-found', '-o', 'json']);
      return out.trim() ? (JSON.parse(out) as KubeObject) : undefined;
    },
    async apply(object) {
      await run([...base, 'apply', '--server-side', '--field-manager', 'flavors-dev-replica', '-f', '-'], JSON.stringify(object));
    },
    async delete(kind, namespace, name) {
      await run([...base, 'delete', kind.resource, name, ...ns(kind, namespace), '--ignore-not-found', '--wait=false']);
    },
  };
}

/** Per-region kubectl contexts from a template: `{region}` is replaced (default: the context is named after the region). */
export function kubectlFor(template = '{region}', binary?: string): KubeFor {
  return (region) => kubectlClient(template.split('{region}').join(region), binary);
}
