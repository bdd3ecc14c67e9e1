import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crdValidator } from '../../helpers/crd-schemas';
import { appManifests, flavorManifestApps } from '../../../lib/k8s/flavor-manifests';
import type { K8sManifest } from '../../../lib/residency/check-manifests';
import germanyBelgium from '../../../flavors/germany-belgium';
import global from '../../../flavors/global';
import usAustralia from '../../../flavors/us-australia';
import { ROOT } from '../../helpers/run-cli';

interface ModelResult {
  kind: string;
  name: string;
  ok: boolean | null;
  error?: string;
}

/** Validates manifests with kubernetes-models in a node child process (ESM-only package). */
function validateWithModels(manifests: readonly unknown[], dir: string, file: string): ModelResult[] {
  const input = path.join(dir, file);
  fs.writeFileSync(input, JSON.stringify(manifests));
  const run = spawnSync(process.execPath, [path.join(ROOT, 'test', 'helpers', 'validate-k8s.mjs'), input], {
    cwd: ROOT,
    encoding: 'utf-8',
    timeout: 30000,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as ModelResult[];
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// Everything `flavors k8s synth` writes for the repository's flavors, with cross-region CIDRs set so
// the optional NetworkPolicy rule is covered too.
const manifests: K8sManifest[] = [germanyBelgium, global, usAustralia].flatMap((flavor) =>
  [
    ...flavorManifestApps({
      flavor,
      account: '111111111111',
      outdir: '/unused',
      clusterCidrs: { 'us-east-1': '10.1.0.0/16', 'eu-west-1': '10.2.0.0/16', 'ap-southeast-1': '10.3.0.0/16', 'ap-southeast-2': '10.4.0.0/16' },
    }).values(),
  ].flatMap(appManifests),
);
const validateCrd = crdValidator();

/** A NetworkPolicy and a StorageClass of the synthesized ones, each broken in one field kubernetes-models checks. */
function brokenCoreManifests(): unknown[] {
  const policy = clone(manifests.find((m) => m.kind === 'NetworkPolicy')!) as unknown as { spec: { ingress: { ports: { port: unknown }[] }[] } };
  policy.spec.ingress[0].ports[0].port = { number: 5432 };
  const storage = clone(manifests.find((m) => m.kind === 'StorageClass')!) as unknown as Record<string, unknown>;
  storage.allowVolumeExpansion = 'yes';
  return [policy, storage];
}

let dir: string;
let results: ModelResult[];
let broken: ModelResult[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-schemas-'));
  // One child process validates both the synthesized core manifests and the broken ones (one result per manifest, in order).
  const core = manifests.filter((m) => !validateCrd(m).known);
  const all = validateWithModels([...core, ...brokenCoreManifests()], dir, 'core.json');
  results = all.slice(0, core.length);
  broken = all.slice(core.length);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const kindsOf = (list: readonly { kind: string }[]) => [...new Set(list.map((m) => m.kind))].sort();

describe('manifest schemas', () => {
  test('Given every synthesized manifest, Then each kind is covered by a schema', () => {
    expect(kindsOf(manifests)).toEqual([
      'Cluster',
      'KafkaConnect',
      'KafkaConnector',
      'KafkaMirrorMaker2',
      'NetworkPolicy',
      'ScheduledBackup',
      'StorageClass',
      'VolumeSnapshotClass',
    ]);
    expect(results.filter((r) => r.ok === null)).toEqual([]);
  });

  test('Given the Kubernetes core kinds, Then kubernetes-models 5.1.0 validates every one', () => {
    expect(kindsOf(results)).toEqual(['NetworkPolicy', 'StorageClass']);
    expect(results.filter((r) => r.ok !== true)).toEqual([]);
  });

  test('Given the CloudNativePG, Strimzi and snapshot kinds, Then the hand-written schemas accept every one', () => {
    const crds = manifests.filter((m) => validateCrd(m).known);
    expect(kindsOf(crds)).toEqual(['Cluster', 'KafkaConnect', 'KafkaConnector', 'KafkaMirrorMaker2', 'ScheduledBackup', 'VolumeSnapshotClass']);
    expect(crds.map((m) => ({ m: `${m.kind}/${m.metadata?.name}`, errors: validateCrd(m).errors })).filter((r) => r.errors.length > 0)).toEqual([]);
  });

  test('Given the StorageClass and VolumeSnapshotClass, Then they are cluster-scoped (no namespace); everything else is namespaced', () => {
    for (const m of manifests) {
      if (m.kind === 'StorageClass' || m.kind === 'VolumeSnapshotClass') expect(m.metadata?.namespace).toBeUndefined();
      else expect(m.metadata?.namespace).toMatch(/^flavor-/);
    }
  });

  test('Given a broken NetworkPolicy and StorageClass, Then kubernetes-models rejects them', () => {
    expect(broken.map((r) => [r.kind, r.ok])).toEqual([
      ['NetworkPolicy', false],
      ['StorageClass', false],
    ]);
    expect(broken[0].error).toContain('/spec/ingress/0/ports/0/port');
  });

  const first = (kind: string) => clone(manifests.find((m) => m.kind === kind)!) as unknown as Record<string, Record<string, unknown>>;
  test.each<[string, string, (m: Record<string, Record<string, unknown>>) => void, RegExp]>([
    [
      'Cluster',
      'wrong type',
      (m) => {
        m.spec.instances = '3';
      },
      /\/spec\/instances must be integer/,
    ],
    [
      'Cluster',
      'unknown field',
      (m) => {
        m.spec.instancess = 3;
      },
      /must NOT have additional properties \(instancess\)/,
    ],
    [
      'Cluster',
      'missing required',
      (m) => {
        delete m.spec.storage;
      },
      /must have required property 'storage'/,
    ],
    [
      'Cluster',
      'bad enum',
      (m) => {
        (m.spec.affinity as Record<string, unknown>).podAntiAffinityType = 'always';
      },
      /podAntiAffinityType must be equal to one of the allowed values/,
    ],
    [
      'ScheduledBackup',
      'five-field cron',
      (m) => {
        m.spec.schedule = '0 */4 * * *';
      },
      /\/spec\/schedule must match pattern/,
    ],
    [
      'VolumeSnapshotClass',
      'namespaced',
      (m) => {
        m.metadata.namespace = 'x';
      },
      /must NOT have additional properties \(namespace\)/,
    ],
    [
      'VolumeSnapshotClass',
      'bad deletion policy',
      (m) => {
        m.deletionPolicy = 'Keep' as unknown as Record<string, unknown>;
      },
      /deletionPolicy must be equal to one of the allowed values/,
    ],
    [
      'KafkaConnect',
      'missing bootstrap',
      (m) => {
        delete m.spec.bootstrapServers;
      },
      /must have required property 'bootstrapServers'/,
    ],
    [
      'KafkaConnect',
      'wrong type',
      (m) => {
        m.spec.replicas = 'two';
      },
      /\/spec\/replicas must be integer/,
    ],
    [
      'KafkaConnector',
      'connector.class in config',
      (m) => {
        (m.spec.config as Record<string, unknown>)['connector.class'] = 'x';
      },
      /\/spec\/config must NOT be valid/,
    ],
    [
      'KafkaConnector',
      'bad state',
      (m) => {
        m.spec.state = 'off';
      },
      /\/spec\/state must be equal to one of the allowed values/,
    ],
    [
      'KafkaConnector',
      'no cluster label',
      (m) => {
        m.metadata.labels = {};
      },
      /must have required property 'strimzi.io\/cluster'/,
    ],
    [
      'KafkaMirrorMaker2',
      'unknown field',
      (m) => {
        m.spec.target = {};
      },
      /must NOT have additional properties \(target\)/,
    ],
    [
      'KafkaMirrorMaker2',
      'mirror without target',
      (m) => {
        delete (m.spec.mirrors as Record<string, unknown>[])[0].targetCluster;
      },
      /must have required property 'targetCluster'/,
    ],
  ])('Given a %s with %s, Then its schema rejects it', (kind, _what, breakIt, message) => {
    const manifest = first(kind);
    expect(validateCrd(manifest)).toEqual({ known: true, errors: [] });
    breakIt(manifest);
    const { errors } = validateCrd(manifest);
    expect(errors.join('\n')).toMatch(message);
  });
});
