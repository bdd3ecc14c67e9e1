// The us-australia world of world.ts plus what dev replicas need: each region's RegionalVpc subnets
// (private and database groups, tagged as CloudFormation and CDK tag them) and the databases'
// security groups, the flavor key's alias, the RDS primary's restorable window, and a regional
// Kubernetes cluster with CloudNativePG volume snapshots of `content`.
import type { Tag } from '@aws-sdk/client-ec2';
import { DB_TAGS } from '../../../lib/database/tags';
import type { ClientsFor } from '../../../lib/ops/aws-clients';
import { FakeDevAws } from './fake-aws-dev';
import { testClients, type FakeAws } from './fake-aws';
import { FakeKube } from './fake-kube';
import { buildWorld, FALLBACK, NOW, PRIMARY, SYDNEY_KEY, VIRGINIA_KEY, type WorldOptions } from './world';

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60000);
export const ALIAS = 'alias/flavors/us-australia';
export const SG = {
  [PRIMARY]: { ledger: 'sg-ledger-p', reports: 'sg-reports-p' },
  [FALLBACK]: { ledger: 'sg-ledger-f', reports: 'sg-reports-f' },
} as const;

export interface DevWorld {
  readonly aws: FakeAws;
  readonly dev: FakeDevAws;
  readonly kube: Record<string, FakeKube>;
  readonly clientsFor: ClientsFor;
  restore(): void;
}

export interface DevWorldOptions extends WorldOptions {
  /** Leave the flavor's private subnets out of this region. */
  readonly noSubnetsIn?: string;
}

/** The world installed behind aws-sdk-client-mock; call `restore()` after the test. */
export function buildDevWorld(options: DevWorldOptions = {}): DevWorld {
  const aws = buildWorld(options);
  const mocks = aws.install();
  const dev = new FakeDevAws(aws);
  const devMocks = dev.install(mocks);
  for (const [region, prefix, key] of [
    [PRIMARY, 'p', VIRGINIA_KEY],
    [FALLBACK, 'f', SYDNEY_KEY],
  ] as const) {
    aws.region(region).aliases.set(ALIAS, key);
    const vpc = `vpc-${prefix}`;
    const stack = { [DB_TAGS.flavor]: 'us-australia', [DB_TAGS.regionRole]: region === PRIMARY ? 'primary' : 'fallback' };
    dev.subnets[region] =
      options.noSubnetsIn === region
        ? []
        : ['a', 'b', 'c'].flatMap((az) => [
            {
              SubnetId: `subnet-${prefix}-private-${az}`,
              AvailabilityZone: `${region}${az}`,
              VpcId: vpc,
              Tags: tags({ ...stack, 'aws-cdk:subnet-name': 'Private', 'aws-cdk:subnet-type': 'Private' }),
            },
            {
              SubnetId: `subnet-${prefix}-db-${az}`,
              AvailabilityZone: `${region}${az}`,
              VpcId: vpc,
              Tags: tags({ ...stack, 'aws-cdk:subnet-name': 'Database', 'aws-cdk:subnet-type': 'Isolated' }),
            },
          ]);
    // Another flavor's VPC in the same region: never chosen.
    dev.subnets[region].unshift({
      SubnetId: `subnet-${prefix}-other`,
      AvailabilityZone: `${region}a`,
      VpcId: `vpc-other-${prefix}`,
      Tags: tags({ [DB_TAGS.flavor]: 'global', 'aws-cdk:subnet-name': 'Private' }),
    });
    dev.securityGroups[region] = [
      { GroupId: SG[region].ledger, VpcId: vpc, Tags: tags({ ...stack, [DB_TAGS.database]: 'ledger' }) },
      { GroupId: SG[region].reports, VpcId: vpc, Tags: tags({ ...stack, [DB_TAGS.database]: 'reports' }) },
      { GroupId: `sg-endpoints-${prefix}`, VpcId: vpc, Tags: tags(stack) },
    ];
  }
  const primary = aws.rdsRegion(PRIMARY).instances.find((d) => d.DBInstanceIdentifier === 'reports-primary')!;
  Object.assign(primary, {
    LatestRestorableTime: minutesAgo(5),
    EarliestRestorableTime: minutesAgo(14 * 24 * 60),
    Engine: 'postgres',
    KmsKeyId: VIRGINIA_KEY,
    DeletionProtection: true,
  });
  for (const b of aws.rdsRegion(FALLBACK).backups) b.KmsKeyId = SYDNEY_KEY;

  const kube: Record<string, FakeKube> = {};
  for (const [region, prefix] of [
    [PRIMARY, 'p'],
    [FALLBACK, 'f'],
  ] as const) {
    const k = (kube[region] = new FakeKube(region));
    k.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flavor-us-australia' } });
    const snapshot = (name: string, minutes: number, ready: boolean, pvcRole = 'PG_DATA') => {
      k.put({
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: {
          name,
          namespace: 'flavor-us-australia',
          creationTimestamp: minutesAgo(minutes).toISOString(),
          labels: { 'cnpg.io/cluster': 'content', 'cnpg.io/pvcRole': pvcRole },
          annotations: { 'cnpg.io/backupLabelFile': 'U1RBUlQ=', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
        status: { readyToUse: ready, boundVolumeSnapshotContentName: `snapcontent-${name}`, restoreSize: '200Gi' },
      });
      k.put({
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name: `snapcontent-${name}` },
        status: { snapshotHandle: `snap-k8s-${prefix}-${name}` },
      });
    };
    snapshot('content-backup-1', 120, true);
    snapshot('content-backup-2', 60, true);
    // Newer, but still being taken: not ready to restore from.
    snapshot('content-backup-3', 1, false);
  }
  return {
    aws,
    dev,
    kube,
    clientsFor: testClients(),
    restore: () => {
      mocks.restore();
      devMocks.restore();
    },
  };
}
