// A fake regional Kubernetes cluster behind the KubeClient interface, with the rules dev replicas
// depend on: namespaced objects need their namespace, a VolumeSnapshot restores only into its own
// namespace and must be bound to a content naming it back, a CloudNativePG recovery needs its
// VolumeSnapshot and owner Secret; the Cluster becomes ready (and gets its `-rw` Service) one read
// after it is applied.
import type { KubeClient, KubeKind, KubeObject } from '../../../lib/ops/dev-replica-kube';

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}|${namespace ?? ''}|${name}`;

type Mutable = { -readonly [K in keyof KubeObject]: KubeObject[K] } & Record<string, unknown>;

function matchesSelector(o: KubeObject, selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [k, v] = term.split('=');
      const have = o.metadata.labels?.[k];
      return v === undefined ? have !== undefined : have === v;
    });
}

export class FakeKube implements KubeClient {
  readonly objects = new Map<string, Mutable>();
  readonly calls: string[] = [];
  /** Cluster name → reads left until ready. */
  private readonly starting = new Map<string, number>();
  port = 5432;
  /** Called when a Cluster becomes ready: the owner and the password of its login Secret. */
  onBoot?: (event: { namespace: string; name: string; username: string; password: string }) => Promise<void> | void;
  /** Next apply of this kind fails with the message. */
  failApply?: { kind: string; message: string };

  constructor(readonly region: string) {}

  put(object: KubeObject): void {
    this.objects.set(key(object.kind, object.metadata.namespace, object.metadata.name), structuredClone(object));
  }

  find(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(key(kind, namespace, name));
  }

  list(kind: KubeKind, namespace: string | undefined, labelSelector: string): Promise<KubeObject[]> {
    this.calls.push(`list ${kind.kind} ${namespace ?? '*'} ${labelSelector}`);
    return Promise.resolve(
      [...this.objects.values()]
        .filter((o) => o.kind === kind.kind && (namespace === undefined || o.metadata.namespace === namespace) && matchesSelector(o, labelSelector))
        .map((o) => structuredClone(o)),
    );
  }

  async get(kind: KubeKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    this.calls.push(`get ${kind.kind} ${namespace ?? ''}/${name}`);
    if (kind.kind === 'Cluster') await this.advance(namespace!, name);
    const o = this.find(kind.kind, kind.namespaced ? namespace : undefined, name);
    return o ? structuredClone(o) : undefined;
  }

  // a fake of an async API: its throws must reach callers as rejections, as the real client's do
  // eslint-disable-next-line @typescript-eslint/require-await
  async apply(object: KubeObject): Promise<void> {
    this.calls.push(`apply ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    if (this.failApply?.kind === object.kind) {
      const { message } = this.failApply;
      this.failApply = undefined;
      throw new Error(message);
    }
    const ns = object.metadata.namespace;
    if (object.kind !== 'Namespace' && object.kind !== 'VolumeSnapshotContent' && (!ns || !this.find('Namespace', undefined, ns))) {
      throw new Error(`namespaces "${ns}" not found`);
    }
    const spec = object.spec as Record<string, never> | undefined;
    if (object.kind === 'VolumeSnapshot') {
      const contentName = (spec?.source as { volumeSnapshotContentName?: string } | undefined)?.volumeSnapshotContentName;
      const content = contentName ? this.find('VolumeSnapshotContent', undefined, contentName) : undefined;
      const ref = (content?.spec as { volumeSnapshotRef?: { name: string; namespace: string } } | undefined)?.volumeSnapshotRef;
      if (!content || ref?.name !== object.metadata.name || ref.namespace !== ns)
        throw new Error(`VolumeSnapshot ${ns}/${object.metadata.name}: content ${contentName} does not reference it`);
      this.put({ ...object, status: { readyToUse: true, boundVolumeSnapshotContentName: contentName } });
      return;
    }
    if (object.kind === 'Cluster') {
      const recovery = (spec?.bootstrap as { recovery?: { volumeSnapshots?: { storage?: { name: string } }; secret?: { name: string } } } | undefined)
        ?.recovery;
      const snap = recovery?.volumeSnapshots?.storage?.name;
      if (!snap || !this.find('VolumeSnapshot', ns, snap))
        throw new Error(`Cluster ${ns}/${object.metadata.name}: VolumeSnapshot ${snap} not found in namespace ${ns}`);
      if (recovery?.secret && !this.find('Secret', ns, recovery.secret.name))
        throw new Error(`Cluster ${ns}/${object.metadata.name}: secret ${recovery.secret.name} not found`);
      this.starting.set(`${ns}/${object.metadata.name}`, 1);
      this.put({ ...object, status: { phase: 'Setting up primary', readyInstances: 0 } });
      return;
    }
    this.put(object);
  }

  delete(kind: KubeKind, namespace: string | undefined, name: string): Promise<void> {
    this.calls.push(`delete ${kind.kind} ${namespace ?? ''}/${name}`);
    this.objects.delete(key(kind.kind, kind.namespaced ? namespace : undefined, name));
    if (kind.kind === 'Cluster') this.objects.delete(key('Service', namespace, `${name}-rw`));
    return Promise.resolve();
  }

  private async advance(namespace: string, name: string): Promise<void> {
    const left = this.starting.get(`${namespace}/${name}`);
    if (left === undefined) return;
    if (left > 0) {
      this.starting.set(`${namespace}/${name}`, left - 1);
      return;
    }
    this.starting.delete(`${namespace}/${name}`);
    const cluster = this.objects.get(key('Cluster', namespace, name))!;
    cluster.status = { phase: 'Cluster in healthy state', readyInstances: 1 };
    this.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-rw`, namespace },
      spec: { clusterIP: '127.0.0.1', ports: [{ port: this.port }] },
    });
    const recovery = ((cluster.spec as Record<string, never>).bootstrap as { recovery: { owner: string; secret: { name: string } } }).recovery;
    const secret = this.find('Secret', namespace, recovery.secret.name)!;
    const data = secret.stringData as { username: string; password: string };
    await this.onBoot?.({ namespace, name, username: data.username, password: data.password });
  }
}
