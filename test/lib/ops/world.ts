// The us-australia flavor as deployed, in the fake AWS account: three ledger nodes per region
// (live in us-east-1, standby in ap-southeast-2), hourly snapshots copied to Sydney, the reports
// RDS instance with its Sydney replica, the failover records, and a lookup table (dynalite) with
// the flavor's spaces.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Tag } from '@aws-sdk/client-ec2';
import { Client } from 'pg';
import { SNAPSHOT_TAGS } from '../../../lib/backup/defaults';
import { DB_DATA_DEVICE, DB_DATA_ROLE, DB_TAGS } from '../../../lib/database/tags';
import type { Flavor } from '../../../lib/flavor/types';
import { spaceItem } from '../../../lib/lookup/runtime/records';
import { ensureLookupTable } from '../../../lib/lookup/runtime/table';
import usAustralia from '../../../flavors/us-australia';
import { FENCE_DDL } from '../../../lib/fence';
import { connectionResolver, type ConnectionResolver } from '../../../lib/ops/connections';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { FakeAws } from './fake-aws';

export { startDynalite } from '../../helpers/dynalite';

export const FLAVOR: Flavor = usAustralia;
export const PRIMARY = 'us-east-1';
export const FALLBACK = 'ap-southeast-2';
export const NOW = new Date('2025-06-01T12:00:00Z');
export const TABLE = 'flavors-lookup';
export const ZONE_ID = 'Z0000000000000EXAMPLE';
export const LOOKUP = { tableName: TABLE, region: PRIMARY };
export const SYDNEY_KEY = 'arn:aws:kms:ap-southeast-2:333333333333:key/mrk-0123456789abcdef';
export const VIRGINIA_KEY = 'arn:aws:kms:us-east-1:333333333333:key/mrk-0123456789abcdef';
export const PRIMARY_DB_ARN = 'arn:aws:rds:us-east-1:333333333333:db:reports-primary';

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60000);
const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

export interface WorldOptions {
  /** Age of the newest primary snapshot (and of the copies' data), minutes. @default 30 */
  readonly snapshotAgeMinutes?: number;
  /** Leave node 2's copies out of Sydney. */
  readonly missingCopyNode?: string;
  /**
   * Age of the latest restorable time of RDS backups replicated into the fallback. @default none:
   * the data plane does not enable backup replication (lib/database/README.md)
   */
  readonly rdsBackupAgeMinutes?: number;
  /** The fallback replica's newest `ReplicaLag`, seconds; `null` for no datapoint. @default 20 */
  readonly rdsReplicaLagSeconds?: number | null;
  /** How long ago CloudWatch took that datapoint, minutes. @default 1 */
  readonly rdsReplicaLagAgeMinutes?: number;
  /** The fallback replica's `read replication` state is `error` with this message. @default replicating normally */
  readonly rdsReplicationError?: string;
}

export function buildWorld(options: WorldOptions = {}): FakeAws {
  const aws = new FakeAws();
  const age = options.snapshotAgeMinutes ?? 30;
  for (const [region, role, prefix] of [
    [PRIMARY, 'primary', 'p'],
    [FALLBACK, 'fallback', 'f'],
  ] as const) {
    const r = aws.region(region);
    // The fleet's group admits PostgreSQL and the metrics exporter from the VPC; the RDS group admits the app tier's group.
    const cidr = region === PRIMARY ? '10.1.0.0/16' : '10.2.0.0/16';
    r.securityGroups.set(`sg-ledger-${prefix}`, {
      GroupId: `sg-ledger-${prefix}`,
      GroupName: 'ledger-nodes',
      VpcId: `vpc-${prefix}`,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: cidr, Description: 'postgres from the VPC' }] },
        { IpProtocol: 'tcp', FromPort: 9100, ToPort: 9100, IpRanges: [{ CidrIp: cidr }] },
      ],
    });
    r.securityGroups.set(`sg-reports-${prefix}`, {
      GroupId: `sg-reports-${prefix}`,
      GroupName: 'reports-db',
      VpcId: `vpc-${prefix}`,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: `sg-app-${prefix}`, UserId: '333333333333' }] },
      ],
    });
    for (let n = 0; n < 3; n++) {
      const az = `${region}${'abc'[n]}`;
      const base = { [DB_TAGS.flavor]: FLAVOR.name, [DB_TAGS.database]: 'ledger', [DB_TAGS.regionRole]: role, [DB_TAGS.node]: String(n) };
      const volumeId = `vol-${prefix}${n}`;
      r.instances.set(`i-${prefix}${n}`, {
        InstanceId: `i-${prefix}${n}`,
        AvailabilityZone: az,
        State: 'running',
        Tags: tags(base),
        devices: { '/dev/xvda': `vol-root-${prefix}${n}`, [DB_DATA_DEVICE]: volumeId },
        SecurityGroups: [`sg-ledger-${prefix}`],
      });
      r.volumes.set(volumeId, {
        VolumeId: volumeId,
        AvailabilityZone: az,
        State: 'in-use',
        Size: 500,
        Encrypted: true,
        KmsKeyId: region === PRIMARY ? VIRGINIA_KEY : SYDNEY_KEY,
        Tags: tags({ ...base, [DB_TAGS.role]: DB_DATA_ROLE, 'flavors:snapshot-target': `${FLAVOR.name}/db-data`, Name: `ledger-${n}` }),
        Attachments: [{ InstanceId: `i-${prefix}${n}`, Device: DB_DATA_DEVICE, State: 'attached' }],
      });
      // Every region's policy snapshots its own data volumes (the standby's are empty).
      const snapTags = { ...base, [DB_TAGS.role]: DB_DATA_ROLE, [SNAPSHOT_TAGS.sourceRegion]: region, [SNAPSHOT_TAGS.policyFlavor]: FLAVOR.name };
      for (const [suffix, m] of [
        ['old', age + 60],
        ['new', age],
      ] as const) {
        r.snapshots.set(`snap-${prefix}${n}${suffix}`, {
          SnapshotId: `snap-${prefix}${n}${suffix}`,
          StartTime: minutesAgo(region === PRIMARY ? m : 5),
          State: 'completed',
          Tags: tags(snapTags),
          VolumeId: volumeId,
          Encrypted: true,
          KmsKeyId: region === PRIMARY ? VIRGINIA_KEY : SYDNEY_KEY,
          VolumeSize: 500,
        });
      }
    }
  }
  // Copies of the primary's snapshots in Sydney: tags carried over, dated by their source.
  const sydney = aws.region(FALLBACK);
  for (let n = 0; n < 3; n++) {
    if (options.missingCopyNode === String(n)) continue;
    for (const [suffix, m] of [
      ['old', age + 60],
      ['new', age],
    ] as const) {
      const source = aws.region(PRIMARY).snapshots.get(`snap-p${n}${suffix}`)!;
      sydney.snapshots.set(`snap-c${n}${suffix}`, {
        SnapshotId: `snap-c${n}${suffix}`,
        StartTime: minutesAgo(m - 10),
        State: 'completed',
        VolumeId: 'vol-ffffffff',
        Tags: structuredClone(source.Tags),
        Description: `[Copied ${source.SnapshotId} from ${PRIMARY}] Created for policy: policy-0abc schedule: us-australia every 1h`,
        Encrypted: true,
        KmsKeyId: SYDNEY_KEY,
        VolumeSize: 500,
      });
    }
  }

  const dbTags = tags({ [DB_TAGS.flavor]: FLAVOR.name, [DB_TAGS.database]: 'reports' });
  aws.rdsRegion(PRIMARY).instances.push({
    DBInstanceIdentifier: 'reports-primary',
    DBInstanceArn: PRIMARY_DB_ARN,
    DBInstanceStatus: 'available',
    TagList: dbTags,
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-reports-p', Status: 'active' }],
    Endpoint: { Address: 'reports-primary.c0.us-east-1.rds.amazonaws.com', Port: 5432 },
  });
  aws.rdsRegion(FALLBACK).instances.push({
    DBInstanceIdentifier: 'reports-replica',
    DBInstanceArn: 'arn:aws:rds:ap-southeast-2:333333333333:db:reports-replica',
    DBInstanceStatus: 'available',
    ReadReplicaSourceDBInstanceIdentifier: PRIMARY_DB_ARN,
    TagList: dbTags,
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-reports-f', Status: 'active' }],
    Endpoint: { Address: 'reports-replica.c0.ap-southeast-2.rds.amazonaws.com', Port: 5432 },
    StatusInfos: [
      options.rdsReplicationError === undefined
        ? { StatusType: 'read replication', Status: 'replicating', Normal: true }
        : { StatusType: 'read replication', Status: 'error', Normal: false, Message: options.rdsReplicationError },
    ],
  });
  if (options.rdsBackupAgeMinutes !== undefined) {
    aws.rdsRegion(FALLBACK).backups.push({
      DBInstanceArn: PRIMARY_DB_ARN,
      DBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-2:333333333333:auto-backup:ab-1',
      Status: 'replicating',
      RestoreWindow: { LatestTime: minutesAgo(options.rdsBackupAgeMinutes) },
    });
  }
  const lag = options.rdsReplicaLagSeconds === undefined ? 20 : options.rdsReplicaLagSeconds;
  if (lag !== null) {
    const at = options.rdsReplicaLagAgeMinutes ?? 1;
    // An older datapoint too, so the tools must pick the newest.
    aws.rdsRegion(FALLBACK).replicaLag['reports-replica'] = [
      { Timestamp: minutesAgo(at), Maximum: lag },
      { Timestamp: minutesAgo(at + 1), Maximum: 5 },
    ];
  }

  const record = (region: string, failover: 'PRIMARY' | 'SECONDARY') => ({
    Name: 'us-australia.flavors.example.com.',
    Type: 'CNAME' as const,
    TTL: 60,
    SetIdentifier: `us-australia-${region}`,
    Failover: failover,
    HealthCheckId: `hc-${region}`,
    ResourceRecords: [{ Value: `${region}.us-australia.flavors.example.com` }],
  });
  aws.zone.records = [record(PRIMARY, 'PRIMARY'), record(FALLBACK, 'SECONDARY')];
  return aws;
}

/** The flavor's spaces; `s-pinned` may only live in us-east-1 (its policy says so). */
export const SPACES = ['s-alpha', 's-bravo', 's-charlie', 's-delta', 's-pinned'];

export async function seedSpaces(dynamodb: DynamoDBClient, tableName = TABLE, epoch = 3): Promise<void> {
  await ensureLookupTable(dynamodb, tableName);
  const items = SPACES.map((spaceId) =>
    spaceItem({
      spaceId,
      clientId: 'c-bank',
      flavor: FLAVOR.name,
      homeRegion: PRIMARY,
      epoch,
      ...(spaceId === 's-pinned' ? { policy: { regions: [PRIMARY] } } : {}),
    }),
  );
  // A space of another flavor: a failover of us-australia must not touch it.
  items.push(spaceItem({ spaceId: 's-elsewhere', clientId: 'c-other', flavor: 'global', homeRegion: PRIMARY, epoch: 7 }));
  // One request for all (every test seeds a fresh table; each SDK call to dynalite costs a few ms of CPU).
  const out = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error(`dynalite left items of ${tableName} unwritten`);
}

/** The flavor's PostgreSQL databases (ledger, reports, content) in both regions, as connections-file keys. */
export const FENCE_DATABASES = {
  [`${FLAVOR.name}/${PRIMARY}/ledger`]: 'use1_ledger',
  [`${FLAVOR.name}/${PRIMARY}/reports`]: 'use1_reports',
  [`${FLAVOR.name}/${FALLBACK}/ledger`]: 'apse2_ledger',
  [`${FLAVOR.name}/${FALLBACK}/reports`]: 'apse2_reports',
  // The k8s database: fenced only when the failover is given a Kubernetes client.
  [`${FLAVOR.name}/${PRIMARY}/content`]: 'use1_content',
  [`${FLAVOR.name}/${FALLBACK}/content`]: 'apse2_content',
} as const;

/** A connections map for plans that never connect (the URLs point nowhere). */
export const PLAN_ONLY_CONNECTIONS = connectionResolver(
  new Map(Object.entries(FENCE_DATABASES).map(([key, db]) => [key, `postgresql://flavors:plan-only@127.0.0.1:9/${db}`])),
);

export interface FenceDatabases {
  readonly pg: EmbeddedPg;
  /** Connections-file content: key → URL. */
  readonly map: Map<string, string>;
  readonly connections: ConnectionResolver;
  /** `flavors_fence` rows of one database (by its key), space → epoch/home. */
  fences(key: keyof typeof FENCE_DATABASES): Promise<Record<string, { epoch: number; home: string }>>;
  /** Empties every fence table. */
  reset(): Promise<void>;
}

/**
 * Starts the flavor's six PostgreSQL databases (real, embedded) with the fence installed; stop `pg` in afterAll.
 * One connection per database stays open for the test's own reads and resets (every test resets, and a connection
 * costs a backend process); `pg.stop()` closes them first.
 */
export async function startFenceDatabases(): Promise<FenceDatabases> {
  const started = await startPg({ databases: Object.values(FENCE_DATABASES) });
  const clients = new Map<string, Client>();
  for (const db of Object.values(FENCE_DATABASES)) {
    const client = new Client({ connectionString: started.url(db) });
    // The server may drop the database under it at stop; an idle client then emits 'error'.
    client.on('error', () => undefined);
    await client.connect();
    await client.query(FENCE_DDL);
    clients.set(db, client);
  }
  const pg: EmbeddedPg = {
    ...started,
    async stop() {
      await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
      await started.stop();
    },
  };
  const map = new Map(Object.entries(FENCE_DATABASES).map(([key, db]) => [key, pg.url(db)]));
  return {
    pg,
    map,
    connections: connectionResolver(map),
    async fences(key) {
      const { rows } = await clients
        .get(FENCE_DATABASES[key])!
        .query<{ space_id: string; epoch: string; home_region: string }>('SELECT space_id, epoch, home_region FROM flavors_fence');
      return Object.fromEntries(rows.map((r) => [r.space_id, { epoch: Number(r.epoch), home: r.home_region }]));
    },
    async reset() {
      await Promise.all([...clients.values()].map((c) => c.query('DELETE FROM flavors_fence')));
    },
  };
}
