// An in-memory model of the EC2, RDS, CloudWatch and Route 53 calls the ops tools make, installed
// in place of the clients' `send` (as aws-sdk-client-mock would). State changes take one "tick" (one Describe call) to complete, so the
// tools' waiting loops are exercised; failures can be injected per command.
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type Filter,
  type IpPermission,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  UpdateHealthCheckCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ClientsFor } from '../../../lib/ops/aws-clients';

export interface FakeVolume {
  VolumeId: string;
  AvailabilityZone: string;
  State: string;
  Size: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  SnapshotId?: string;
  VolumeType?: string;
  Iops?: number;
  Throughput?: number;
  Tags: Tag[];
  Attachments: { InstanceId: string; Device: string; State: string }[];
}

export interface FakeInstance {
  InstanceId: string;
  AvailabilityZone: string;
  State: string;
  Tags: Tag[];
  /** Device name → volume id. */
  devices: Record<string, string>;
  /** Set on instances launched by RunInstances (dev replicas). */
  PrivateIpAddress?: string;
  /** Ids of the security groups of the instance's network interface. */
  SecurityGroups?: string[];
}

/**
 * A VPC security group. Ingress is kept one rule per permission (one protocol and port range, one
 * source), as AWS counts rules; Describe returns them in that form, which is valid IpPermissions.
 */
export interface FakeSecurityGroup {
  GroupId: string;
  GroupName: string;
  VpcId: string;
  IpPermissions: IpPermission[];
}

export interface FakeSnapshot {
  SnapshotId: string;
  StartTime: Date;
  State: string;
  Tags: Tag[];
  VolumeId: string;
  Description?: string;
  Encrypted: boolean;
  KmsKeyId?: string;
  VolumeSize: number;
}

export interface FakeDb {
  DBInstanceIdentifier: string;
  DBInstanceArn: string;
  DBInstanceStatus: string;
  ReadReplicaSourceDBInstanceIdentifier?: string;
  StatusInfos?: { StatusType: string; Status: string; Normal: boolean; Message?: string }[];
  TagList: Tag[];
  KmsKeyId?: string;
  /** Point-in-time restore window end; absent when automated backups are off (and on read replicas). */
  LatestRestorableTime?: Date;
  EarliestRestorableTime?: Date;
  Engine?: string;
  DBInstanceClass?: string;
  Endpoint?: { Address: string; Port: number };
  MasterUserSecret?: { SecretArn: string; KmsKeyId?: string };
  DBSubnetGroup?: { DBSubnetGroupName: string };
  VpcSecurityGroups?: { VpcSecurityGroupId: string; Status?: string }[];
  MultiAZ?: boolean;
  PubliclyAccessible?: boolean;
  DeletionProtection?: boolean;
}

export interface FakeBackup {
  DBInstanceArn: string;
  DBInstanceAutomatedBackupsArn: string;
  Status: string;
  RestoreWindow: { LatestTime: Date; EarliestTime?: Date };
  KmsKeyId?: string;
}

export class FakeEc2Region {
  readonly volumes = new Map<string, FakeVolume>();
  readonly instances = new Map<string, FakeInstance>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly securityGroups = new Map<string, FakeSecurityGroup>();
  readonly tokens = new Map<string, string>();
  /** KMS aliases of the region → key ARN; a volume asked for with an unknown alias ends in state `error`, as in EBS. */
  readonly aliases = new Map<string, string>();
  /** Pending state changes: applied when `ticks` reaches 0 (one tick per Describe call). */
  readonly pending: { ticks: number; apply: () => void }[] = [];
  /** Problems a real region would refuse or regret (e.g. detaching a data volume from a running node). */
  readonly violations: string[] = [];
  private seq = 0;

  constructor(readonly region: string) {}

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${this.region.replace(/-/g, '')}${String(this.seq).padStart(4, '0')}`;
  }

  tick(): void {
    for (const p of [...this.pending]) {
      p.ticks -= 1;
      if (p.ticks < 0) {
        this.pending.splice(this.pending.indexOf(p), 1);
        p.apply();
      }
    }
  }

  /** Applies after the next Describe call (which still shows the state before). */
  later(apply: () => void): void {
    this.pending.push({ ticks: 1, apply });
  }
}

export interface FakeRdsRegion {
  instances: FakeDb[];
  backups: FakeBackup[];
  /** `ReplicaLag` datapoints (CloudWatch, AWS/RDS) by DB instance identifier. */
  replicaLag: Record<string, { Timestamp: Date; Maximum: number }[]>;
  pending: { ticks: number; apply: () => void }[];
}

export interface FakeZone {
  id: string;
  name: string;
  records: ResourceRecordSet[];
  changes: Map<string, number>;
  healthCheckUpdates: { HealthCheckId: string; ChildHealthChecks: string[] }[];
}

export function awsError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

const tagValue = (tags: readonly Tag[], key: string) => tags.find((t) => t.Key === key)?.Value;

export function matches(filters: readonly Filter[] | undefined, get: (name: string) => string[] | undefined): boolean {
  for (const f of filters ?? []) {
    const have = get(f.Name!);
    if (have === undefined) throw new Error(`fake EC2: unsupported filter ${f.Name}`);
    if (!have.some((v) => f.Values!.includes(v))) return false;
  }
  return true;
}

export const byTag = (tags: readonly Tag[], name: string) =>
  name === 'tag-key'
    ? tags.map((t) => t.Key!)
    : name.startsWith('tag:')
      ? [tagValue(tags, name.slice(4))].filter((v): v is string => v !== undefined)
      : undefined;

/** One permission per source, as AWS counts rules. */
function singleRules(permissions: readonly IpPermission[]): IpPermission[] {
  return permissions.flatMap((p) => {
    const base = { IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort };
    return [
      ...(p.IpRanges ?? []).map((x) => ({ ...base, IpRanges: [x] })),
      ...(p.Ipv6Ranges ?? []).map((x) => ({ ...base, Ipv6Ranges: [x] })),
      ...(p.UserIdGroupPairs ?? []).map((x) => ({ ...base, UserIdGroupPairs: [x] })),
      ...(p.PrefixListIds ?? []).map((x) => ({ ...base, PrefixListIds: [x] })),
    ];
  });
}

const ruleKey = (p: IpPermission) =>
  JSON.stringify([
    p.IpProtocol,
    p.FromPort ?? null,
    p.ToPort ?? null,
    p.IpRanges?.[0]?.CidrIp ?? null,
    p.Ipv6Ranges?.[0]?.CidrIpv6 ?? null,
    p.UserIdGroupPairs?.[0]?.GroupId ?? null,
    p.PrefixListIds?.[0]?.PrefixListId ?? null,
  ]);

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** What a fake command handler gets: the command's input and the client it was sent with (for its region). */
export type SendHandler = (input: never, getClient: () => { config: { region: () => Promise<string> } }) => Promise<unknown>;

const REAL_SEND = Symbol("the client class's own send");

/**
 * Replaces `send` on every client of one class, as `mockClient(Class)` of aws-sdk-client-mock does, with the same
 * `on(Command).callsFake(handler)` and `restore()`; a command without a handler resolves to undefined there too.
 * A handler is found by the command's class in a map: aws-sdk-client-mock matches each call against every
 * handler with sinon, which cost the failover tests about a sixth of their CPU.
 */
export class SendMock {
  private readonly handlers = new Map<unknown, SendHandler>();
  private readonly original: unknown;

  constructor(private readonly client: { prototype: { send: unknown } }) {
    // A mock of this class still installed is replaced, not wrapped (as mockClient does): restores in any order leave the real send.
    const current = client.prototype.send as { [REAL_SEND]?: unknown };
    this.original = current[REAL_SEND] ?? current;
    const handlers = this.handlers;
    const send = function (this: { config: { region: () => Promise<string> } }, command: { constructor: unknown; input: never }) {
      const handler = handlers.get(command.constructor);
      return handler ? handler(command.input, () => this) : Promise.resolve(undefined);
    };
    client.prototype.send = Object.assign(send, { [REAL_SEND]: this.original });
  }

  on(command: unknown): { callsFake: (handler: SendHandler) => SendMock } {
    return {
      callsFake: (handler) => {
        this.handlers.set(command, handler);
        return this;
      },
    };
  }

  restore(): void {
    this.client.prototype.send = this.original;
  }
}

/** A whole fake AWS account: per-region EC2 and RDS, one hosted zone. */
export class FakeAws {
  readonly ec2: Record<string, FakeEc2Region> = {};
  readonly rds: Record<string, FakeRdsRegion> = {};
  zone: FakeZone = { id: 'Z0000000000000EXAMPLE', name: 'flavors.example.com.', records: [], changes: new Map(), healthCheckUpdates: [] };
  /** Command name → errors to throw on the next calls (consumed in order). */
  readonly failures = new Map<string, Error[]>();
  /** Every command sent, in order: `<region> <CommandName>`. */
  readonly calls: {
    service: 'ec2' | 'rds' | 'route53' | 'cloudwatch' | 'secretsmanager';
    region: string;
    command: string;
    input: Record<string, unknown>;
  }[] = [];
  /** Regions whose API does not answer (every call there fails as an unreachable endpoint would). */
  readonly unreachable = new Set<string>();
  /** Called (and awaited) before every command; tests use it to press Ctrl-C or change the world at a chosen moment. */
  onCall?: (command: string, input: Record<string, unknown>) => void | Promise<void>;

  region(region: string): FakeEc2Region {
    return (this.ec2[region] ??= new FakeEc2Region(region));
  }

  rdsRegion(region: string): FakeRdsRegion {
    return (this.rds[region] ??= { instances: [], backups: [], replicaLag: {}, pending: [] });
  }

  failNext(command: string, err: Error): void {
    const list = this.failures.get(command) ?? [];
    list.push(err);
    this.failures.set(command, list);
  }

  count(command: string, region?: string): number {
    return this.calls.filter((c) => c.command === command && (region === undefined || c.region === region)).length;
  }

  private async enter(
    service: 'ec2' | 'rds' | 'route53' | 'cloudwatch',
    region: string,
    command: string,
    input: Record<string, unknown>,
  ): Promise<void> {
    this.calls.push({ service, region, command, input });
    await this.onCall?.(command, input);
    if (this.unreachable.has(region) && service !== 'route53')
      throw awsError('TimeoutError', `connect ETIMEDOUT ${service}.${region}.amazonaws.com:443 (injected)`);
    const queued = this.failures.get(command);
    const err = queued?.shift();
    if (err) throw err;
  }

  /** Installs the model in place of the clients' `send`; returns the mocks (call `.restore()` after the test). */
  install() {
    const ec2 = new SendMock(EC2Client);
    const rds = new SendMock(RDSClient);
    const r53 = new SendMock(Route53Client);
    const cw = new SendMock(CloudWatchClient);
    const services = new Map<SendMock, 'ec2' | 'rds' | 'route53' | 'cloudwatch'>([
      [ec2, 'ec2'],
      [rds, 'rds'],
      [r53, 'route53'],
      [cw, 'cloudwatch'],
    ]);
    const on = <I extends object>(mock: SendMock, command: { name: string }, handler: (region: string, input: I) => unknown) => {
      mock.on(command).callsFake(async (input: I, getClient) => {
        const region = await getClient().config.region();
        await this.enter(services.get(mock)!, region, command.name.replace(/Command$/, ''), input as Record<string, unknown>);
        return handler(region, input);
      });
    };
    on(ec2, DescribeVolumesCommand, (r, input: { Filters?: Filter[]; VolumeIds?: string[] }) => this.describeVolumes(r, input));
    on(ec2, DescribeSnapshotsCommand, (r, input: { Filters?: Filter[]; OwnerIds?: string[] }) => this.describeSnapshots(r, input));
    on(ec2, DescribeInstancesCommand, (r, input: { Filters?: Filter[]; InstanceIds?: string[] }) => this.describeInstances(r, input));
    on(ec2, CreateVolumeCommand, (r, input: Record<string, never>) => this.createVolume(r, input));
    on(ec2, StopInstancesCommand, (r, input: { InstanceIds: string[] }) =>
      this.setInstance(r, input.InstanceIds[0], 'running', 'stopping', 'stopped'),
    );
    on(ec2, StartInstancesCommand, (r, input: { InstanceIds: string[] }) =>
      this.setInstance(r, input.InstanceIds[0], 'stopped', 'pending', 'running'),
    );
    on(ec2, DetachVolumeCommand, (r, input: { VolumeId: string; InstanceId: string }) => this.detach(r, input));
    on(ec2, AttachVolumeCommand, (r, input: { VolumeId: string; InstanceId: string; Device: string }) => this.attach(r, input));
    on(ec2, CreateTagsCommand, (r, input: { Resources: string[]; Tags: Tag[] }) => this.tag(r, input.Resources, input.Tags, false));
    on(ec2, DeleteTagsCommand, (r, input: { Resources: string[]; Tags: Tag[] }) => this.tag(r, input.Resources, input.Tags, true));
    on(ec2, DescribeSecurityGroupsCommand, (r, input: { GroupIds?: string[] }) => this.describeSecurityGroups(r, input.GroupIds ?? []));
    on(ec2, RevokeSecurityGroupIngressCommand, (r, input: { GroupId: string; IpPermissions: IpPermission[] }) =>
      this.revokeIngress(r, input.GroupId, input.IpPermissions),
    );
    on(ec2, AuthorizeSecurityGroupIngressCommand, (r, input: { GroupId: string; IpPermissions: IpPermission[] }) =>
      this.authorizeIngress(r, input.GroupId, input.IpPermissions),
    );
    on(rds, DescribeDBInstancesCommand, (r, input: { DBInstanceIdentifier?: string }) => this.describeDbs(r, input));
    on(rds, PromoteReadReplicaCommand, (r, input: { DBInstanceIdentifier: string }) => this.promote(r, input.DBInstanceIdentifier));
    on(rds, DescribeDBInstanceAutomatedBackupsCommand, (r) => ({ DBInstanceAutomatedBackups: this.rdsRegion(r).backups }));
    on(
      cw,
      GetMetricStatisticsCommand,
      (
        r,
        input: {
          Namespace: string;
          MetricName: string;
          Dimensions: { Name: string; Value: string }[];
          StartTime: Date;
          EndTime: Date;
          Statistics?: string[];
        },
      ) => {
        const id = input.Dimensions.find((d) => d.Name === 'DBInstanceIdentifier')?.Value ?? '';
        const points = input.Namespace === 'AWS/RDS' && input.MetricName === 'ReplicaLag' ? (this.rdsRegion(r).replicaLag[id] ?? []) : [];
        // CloudWatch returns only the statistics asked for.
        return {
          Datapoints: points
            .filter((p) => p.Timestamp >= input.StartTime && p.Timestamp <= input.EndTime)
            .map((p) => ({ Timestamp: p.Timestamp, ...(input.Statistics?.includes('Maximum') ? { Maximum: p.Maximum } : {}), Unit: 'Seconds' })),
        };
      },
    );
    on(r53, GetHostedZoneCommand, (_r, input: { Id: string }) => {
      if (input.Id !== this.zone.id) throw awsError('NoSuchHostedZone', `No hosted zone found with ID: ${input.Id}`);
      return { HostedZone: { Id: `/hostedzone/${this.zone.id}`, Name: this.zone.name } };
    });
    on(r53, ListResourceRecordSetsCommand, (_r, input: { StartRecordName?: string; StartRecordType?: string }) => ({
      ResourceRecordSets: this.zone.records
        .filter(
          (rs) => normalize(rs.Name!) === normalize(input.StartRecordName ?? '') && (!input.StartRecordType || rs.Type === input.StartRecordType),
        )
        .map((rs) => structuredClone(rs)),
      IsTruncated: false,
      MaxItems: 300,
    }));
    on(r53, ChangeResourceRecordSetsCommand, (_r, input: { ChangeBatch: { Changes: { Action: string; ResourceRecordSet: ResourceRecordSet }[] } }) =>
      this.changeRecords(input.ChangeBatch.Changes),
    );
    on(r53, GetChangeCommand, (_r, input: { Id: string }) => {
      const polls = this.zone.changes.get(input.Id);
      if (polls === undefined) throw awsError('NoSuchChange', input.Id);
      this.zone.changes.set(input.Id, polls + 1);
      return { ChangeInfo: { Id: input.Id, Status: polls >= 1 ? 'INSYNC' : 'PENDING', SubmittedAt: new Date() } };
    });
    on(r53, UpdateHealthCheckCommand, (_r, input: { HealthCheckId: string; ChildHealthChecks: string[] }) => {
      this.zone.healthCheckUpdates.push({ HealthCheckId: input.HealthCheckId, ChildHealthChecks: input.ChildHealthChecks });
      return { HealthCheck: { Id: input.HealthCheckId } };
    });
    return {
      ec2,
      rds,
      r53,
      cw,
      restore: () => {
        ec2.restore();
        rds.restore();
        r53.restore();
        cw.restore();
      },
    };
  }

  private describeVolumes(region: string, input: { Filters?: Filter[]; VolumeIds?: string[] }) {
    const r = this.region(region);
    r.tick();
    const volumes = [...r.volumes.values()].filter(
      (v) => (!input.VolumeIds || input.VolumeIds.includes(v.VolumeId)) && matches(input.Filters, (name) => byTag(v.Tags, name)),
    );
    if (input.VolumeIds && volumes.length < input.VolumeIds.length)
      throw awsError('InvalidVolume.NotFound', `volume not found: ${input.VolumeIds.join(',')}`);
    return { Volumes: structuredClone(volumes) };
  }

  private describeSnapshots(region: string, input: { Filters?: Filter[]; OwnerIds?: string[] }) {
    if (JSON.stringify(input.OwnerIds) !== '["self"]') throw new Error('fake EC2: snapshots must be listed with OwnerIds [self]');
    const snaps = [...this.region(region).snapshots.values()].filter((s) =>
      matches(input.Filters, (name) => {
        if (name === 'volume-id') return [s.VolumeId];
        if (name === 'status') return [s.State];
        return byTag(s.Tags, name);
      }),
    );
    return { Snapshots: structuredClone(snaps) };
  }

  private describeInstances(region: string, input: { Filters?: Filter[]; InstanceIds?: string[] }) {
    const r = this.region(region);
    r.tick();
    const instances = [...r.instances.values()].filter(
      (i) =>
        (!input.InstanceIds || input.InstanceIds.includes(i.InstanceId)) &&
        matches(input.Filters, (name) => (name === 'instance-state-name' ? [i.State] : byTag(i.Tags, name))),
    );
    return {
      Reservations: instances.map((i) => ({
        Instances: [
          {
            InstanceId: i.InstanceId,
            Placement: { AvailabilityZone: i.AvailabilityZone },
            State: { Name: i.State },
            Tags: structuredClone(i.Tags),
            ...(i.PrivateIpAddress ? { PrivateIpAddress: i.PrivateIpAddress } : {}),
            SecurityGroups: (i.SecurityGroups ?? []).map((id) => ({ GroupId: id, GroupName: r.securityGroups.get(id)?.GroupName })),
            BlockDeviceMappings: Object.entries(i.devices).map(([DeviceName, VolumeId]) => ({ DeviceName, Ebs: { VolumeId, Status: 'attached' } })),
          },
        ],
      })),
    };
  }

  private describeSecurityGroups(region: string, ids: string[]) {
    const r = this.region(region);
    const missing = ids.filter((id) => !r.securityGroups.has(id));
    if (missing.length > 0) throw awsError('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist`);
    return { SecurityGroups: structuredClone(ids.map((id) => r.securityGroups.get(id)!)) };
  }

  private group(region: string, id: string): FakeSecurityGroup {
    const sg = this.region(region).securityGroups.get(id);
    if (!sg) throw awsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return sg;
  }

  /** AWS revokes the rules that match exactly and answers the others as UnknownIpPermissions, without an error. */
  private revokeIngress(region: string, id: string, permissions: IpPermission[]) {
    const sg = this.group(region, id);
    const unknown: IpPermission[] = [];
    for (const rule of singleRules(permissions)) {
      const at = sg.IpPermissions.findIndex((p) => ruleKey(p) === ruleKey(rule));
      if (at < 0) unknown.push(rule);
      else sg.IpPermissions.splice(at, 1);
    }
    return { Return: true, ...(unknown.length > 0 ? { UnknownIpPermissions: unknown } : {}) };
  }

  /** A rule that exists already fails the whole call (InvalidPermission.Duplicate), as in AWS. */
  private authorizeIngress(region: string, id: string, permissions: IpPermission[]) {
    const sg = this.group(region, id);
    const rules = singleRules(permissions);
    const dup = rules.find((rule) => sg.IpPermissions.some((p) => ruleKey(p) === ruleKey(rule)));
    if (dup) throw awsError('InvalidPermission.Duplicate', `the specified rule ${ruleKey(dup)} already exists`);
    sg.IpPermissions.push(...rules);
    return { Return: true };
  }

  private createVolume(region: string, input: Record<string, never>) {
    const r = this.region(region);
    const token = input.ClientToken as string | undefined;
    if (token && r.tokens.has(token)) return { VolumeId: r.tokens.get(token), State: r.volumes.get(r.tokens.get(token)!)!.State };
    const snap = r.snapshots.get(input.SnapshotId);
    if (!snap) throw awsError('InvalidSnapshot.NotFound', `snapshot ${input.SnapshotId as string} not found in ${region}`);
    if (snap.State !== 'completed') throw awsError('IncorrectState', `snapshot ${snap.SnapshotId} is ${snap.State}`);
    if (typeof input.AvailabilityZone !== 'string' || !new RegExp(`^${region}[a-z]$`).test(input.AvailabilityZone)) {
      throw awsError('InvalidParameterValue', `availability zone ${String(input.AvailabilityZone)} is not in ${region}`);
    }
    if (!input.Encrypted) r.violations.push(`unencrypted volume from ${snap.SnapshotId}`);
    const alias = typeof input.KmsKeyId === 'string' && (input.KmsKeyId as string).startsWith('alias/') ? (input.KmsKeyId as string) : undefined;
    const id = r.nextId('vol');
    const tags = ((input.TagSpecifications as { Tags: Tag[] }[] | undefined)?.[0]?.Tags ?? []).map((t) => ({ ...t }));
    r.volumes.set(id, {
      VolumeId: id,
      AvailabilityZone: input.AvailabilityZone,
      State: 'creating',
      Size: snap.VolumeSize,
      Encrypted: true,
      KmsKeyId: alias ? (r.aliases.get(alias) ?? alias) : (input.KmsKeyId ?? snap.KmsKeyId),
      SnapshotId: snap.SnapshotId,
      VolumeType: input.VolumeType,
      Iops: input.Iops,
      Throughput: input.Throughput,
      Tags: tags,
      Attachments: [],
    });
    if (token) r.tokens.set(token, id);
    r.later(() => {
      r.volumes.get(id)!.State = alias && !r.aliases.has(alias) ? 'error' : 'available';
    });
    return { VolumeId: id, State: 'creating' };
  }

  private setInstance(region: string, id: string, from: string, via: string, to: string) {
    const r = this.region(region);
    const i = r.instances.get(id);
    if (!i) throw awsError('InvalidInstanceID.NotFound', id);
    if (i.State !== from) throw awsError('IncorrectInstanceState', `${id} is ${i.State}`);
    i.State = via;
    r.later(() => {
      i.State = to;
    });
    return {};
  }

  private detach(region: string, input: { VolumeId: string; InstanceId: string }) {
    const r = this.region(region);
    const v = r.volumes.get(input.VolumeId);
    const i = r.instances.get(input.InstanceId);
    const a = v?.Attachments.find((x) => x.InstanceId === input.InstanceId);
    if (!v || !i || !a) throw awsError('IncorrectState', `${input.VolumeId} is not attached to ${input.InstanceId}`);
    if (i.State !== 'stopped') r.violations.push(`detached ${v.VolumeId} from ${i.InstanceId} while ${i.State}`);
    a.State = 'detaching';
    r.later(() => {
      v.Attachments = v.Attachments.filter((x) => x !== a);
      v.State = 'available';
      for (const [d, vol] of Object.entries(i.devices)) if (vol === v.VolumeId) delete i.devices[d];
    });
    return { State: 'detaching' };
  }

  private attach(region: string, input: { VolumeId: string; InstanceId: string; Device: string }) {
    const r = this.region(region);
    const v = r.volumes.get(input.VolumeId);
    const i = r.instances.get(input.InstanceId);
    if (!v || !i) throw awsError('InvalidParameterValue', 'no such volume or instance');
    if (v.State !== 'available') throw awsError('IncorrectState', `${v.VolumeId} is ${v.State}`);
    if (v.AvailabilityZone !== i.AvailabilityZone)
      throw awsError('InvalidVolume.ZoneMismatch', `${v.VolumeId} is in ${v.AvailabilityZone}, ${i.InstanceId} in ${i.AvailabilityZone}`);
    if (i.devices[input.Device]) throw awsError('InvalidParameterValue', `${input.Device} is in use on ${i.InstanceId}`);
    const a = { InstanceId: i.InstanceId, Device: input.Device, State: 'attaching' };
    v.Attachments.push(a);
    v.State = 'in-use';
    i.devices[input.Device] = v.VolumeId;
    r.later(() => {
      a.State = 'attached';
    });
    return { State: 'attaching' };
  }

  private tag(region: string, resources: string[], tags: Tag[], remove: boolean) {
    const r = this.region(region);
    for (const id of resources) {
      const v = r.volumes.get(id);
      if (!v) throw awsError('InvalidVolume.NotFound', id);
      v.Tags = v.Tags.filter((t) => !tags.some((x) => x.Key === t.Key));
      if (!remove) v.Tags.push(...tags.map((t) => ({ ...t })));
    }
    return {};
  }

  private describeDbs(region: string, input: { DBInstanceIdentifier?: string }) {
    const r = this.rdsRegion(region);
    for (const p of [...r.pending]) {
      p.ticks -= 1;
      if (p.ticks < 0) {
        r.pending.splice(r.pending.indexOf(p), 1);
        p.apply();
      }
    }
    const dbs = r.instances.filter((d) => !input.DBInstanceIdentifier || d.DBInstanceIdentifier === input.DBInstanceIdentifier);
    if (input.DBInstanceIdentifier && dbs.length === 0)
      throw awsError('DBInstanceNotFoundFault', `DBInstance ${input.DBInstanceIdentifier} not found.`);
    return { DBInstances: structuredClone(dbs) };
  }

  private promote(region: string, id: string) {
    const r = this.rdsRegion(region);
    const db = r.instances.find((d) => d.DBInstanceIdentifier === id);
    if (!db) throw awsError('DBInstanceNotFoundFault', id);
    if (!db.ReadReplicaSourceDBInstanceIdentifier || db.DBInstanceStatus !== 'available')
      throw awsError('InvalidDBInstanceStateFault', `${id} is not a replica that can be promoted`);
    db.DBInstanceStatus = 'modifying';
    r.pending.push({
      ticks: 1,
      apply: () => {
        db.DBInstanceStatus = 'available';
        delete db.ReadReplicaSourceDBInstanceIdentifier;
        delete db.StatusInfos;
      },
    });
    return { DBInstance: { DBInstanceIdentifier: id } };
  }

  private changeRecords(changes: { Action: string; ResourceRecordSet: ResourceRecordSet }[]) {
    const key = (rs: ResourceRecordSet) => `${normalize(rs.Name!)}|${rs.Type}|${rs.SetIdentifier ?? ''}`;
    const next = new Map(this.zone.records.map((rs) => [key(rs), rs]));
    for (const c of changes) {
      const k = key(c.ResourceRecordSet);
      if (c.Action === 'DELETE') {
        const old = next.get(k);
        if (!old || JSON.stringify(old) !== JSON.stringify(c.ResourceRecordSet))
          throw awsError('InvalidChangeBatch', `DELETE of ${k} does not match the existing record`);
        next.delete(k);
      } else if (c.Action === 'CREATE') {
        if (next.has(k)) throw awsError('InvalidChangeBatch', `${k} already exists`);
        next.set(k, structuredClone(c.ResourceRecordSet));
      } else {
        next.set(k, structuredClone(c.ResourceRecordSet));
      }
    }
    const byName = new Map<string, ResourceRecordSet[]>();
    for (const rs of next.values()) byName.set(`${normalize(rs.Name!)}|${rs.Type}`, [...(byName.get(`${normalize(rs.Name!)}|${rs.Type}`) ?? []), rs]);
    for (const [name, sets] of byName) {
      const simple = sets.filter((s) => !s.Failover);
      if (simple.length > 0 && sets.length > 1) throw awsError('InvalidChangeBatch', `${name} mixes a simple record with others`);
      for (const role of ['PRIMARY', 'SECONDARY']) {
        if (sets.filter((s) => s.Failover === role).length > 1) throw awsError('InvalidChangeBatch', `${name} would have two ${role} records`);
      }
    }
    this.zone.records = [...next.values()];
    const id = `/change/C${this.zone.changes.size + 1}`;
    this.zone.changes.set(id, 0);
    return { ChangeInfo: { Id: id, Status: 'PENDING', SubmittedAt: new Date() } };
  }
}

const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' };

/**
 * Real SDK clients (their `send` replaced by the mocks); DynamoDB goes to `dynamoEndpoint` (a local
 * dynalite) when given, else it is a plain client for a DynamoDB mock.
 */
export function testClients(dynamoEndpoint?: string): ClientsFor {
  const cache = new Map<string, ReturnType<ClientsFor>>();
  return (region) => {
    let c = cache.get(region);
    if (!c) {
      c = {
        ec2: new EC2Client({ region, credentials: FAKE_CREDENTIALS }),
        rds: new RDSClient({ region, credentials: FAKE_CREDENTIALS }),
        route53: new Route53Client({ region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
        dynamodb: new DynamoDBClient({
          region,
          credentials: FAKE_CREDENTIALS,
          ...(dynamoEndpoint ? { endpoint: dynamoEndpoint, maxAttempts: 1 } : {}),
        }),
        cloudwatch: new CloudWatchClient({ region, credentials: FAKE_CREDENTIALS }),
        secretsmanager: new SecretsManagerClient({ region, credentials: FAKE_CREDENTIALS }),
      };
      cache.set(region, c);
    }
    return c;
  };
}
