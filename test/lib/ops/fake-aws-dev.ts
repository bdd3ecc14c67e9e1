// The calls dev replicas make, added to a FakeAws: subnets and security groups, RunInstances,
// TerminateInstances, DeleteVolume, RDS point-in-time restores, DB subnet groups, deletions, and
// Secrets Manager. Same rules as fake-aws.ts: AWS's real preconditions, state changes completing
// one Describe later, failures injectable per command (aws.failNext), every call recorded.
import {
  DeleteVolumeCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  DescribeDBSubnetGroupsCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  type CreateSecretCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, byTag, matches, type FakeAws, type FakeDb } from './fake-aws';

export interface FakeSubnet {
  SubnetId: string;
  AvailabilityZone: string;
  VpcId: string;
  Tags: Tag[];
}
export interface FakeSecurityGroup {
  GroupId: string;
  VpcId: string;
  Tags: Tag[];
}
export interface FakeSecret {
  ARN: string;
  Name: string;
  SecretString: string;
  KmsKeyId?: string;
  Tags: Tag[];
  Description?: string;
}

/** What "booting" a copy means to a test: the engine starts and sets the login (the test applies it to a real PostgreSQL). */
export type BootEvent =
  | { kind: 'ec2'; region: string; instanceId: string; userData: string }
  | { kind: 'rds'; region: string; id: string; username: string; password: string };

type Service = 'ec2' | 'rds' | 'secretsmanager';
type Mock = {
  on: (c: never) => { callsFake: (f: (input: never, getClient: () => { config: { region: () => Promise<string> } }) => unknown) => unknown };
};

export class FakeDevAws {
  readonly subnets: Record<string, FakeSubnet[]> = {};
  readonly securityGroups: Record<string, FakeSecurityGroup[]> = {};
  readonly secrets: Record<string, Map<string, FakeSecret>> = {};
  readonly dbSubnetGroups: Record<string, Map<string, { subnetIds: string[]; tags: Tag[] }>> = {};
  /** RunInstances and restore inputs by the id they created, for assertions. */
  readonly runInputs = new Map<string, RunInstancesCommandInput>();
  readonly restoreInputs = new Map<string, RestoreDBInstanceToPointInTimeCommandInput>();
  /** The address launched nodes and restored instances get, and the port RDS endpoints report. */
  address = '127.0.0.1';
  rdsPort = 5432;
  onBoot?: (event: BootEvent) => Promise<void> | void;
  private seq = 0;

  constructor(readonly aws: FakeAws) {}

  secretsIn(region: string): Map<string, FakeSecret> {
    return (this.secrets[region] ??= new Map());
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}-dev${String(this.seq).padStart(4, '0')}`;
  }

  private async enter(service: Service, region: string, command: string, input: Record<string, unknown>): Promise<void> {
    this.aws.calls.push({ service, region, command, input });
    await this.aws.onCall?.(command, input);
    const err = this.aws.failures.get(command)?.shift();
    if (err) throw err;
  }

  /** Adds the handlers to the mocks of `aws.install()`; returns the Secrets Manager mock's restore. */
  install(mocks: { ec2: unknown; rds: unknown }): { restore: () => void } {
    const sm = mockClient(SecretsManagerClient);
    const on = (service: Service, mock: unknown, command: { name: string }, handler: (region: string, input: never) => unknown) => {
      (mock as Mock).on(command as never).callsFake(async (input: never, getClient) => {
        const region = await getClient().config.region();
        await this.enter(service, region, command.name.replace(/Command$/, ''), input);
        return handler(region, input);
      });
    };
    on('ec2', mocks.ec2, DescribeSubnetsCommand, (r, input: { Filters?: Filter[] }) => ({
      Subnets: (this.subnets[r] ?? []).filter((s) => matches(input.Filters, (n) => byTag(s.Tags, n))).map((s) => structuredClone(s)),
    }));
    on('ec2', mocks.ec2, DescribeSecurityGroupsCommand, (r, input: { Filters?: Filter[] }) => ({
      SecurityGroups: (this.securityGroups[r] ?? [])
        .filter((g) => matches(input.Filters, (n) => (n === 'vpc-id' ? [g.VpcId] : byTag(g.Tags, n))))
        .map((g) => structuredClone(g)),
    }));
    on('ec2', mocks.ec2, RunInstancesCommand, (r, input: RunInstancesCommandInput) => this.runInstances(r, input));
    on('ec2', mocks.ec2, TerminateInstancesCommand, (r, input: { InstanceIds: string[] }) => this.terminate(r, input.InstanceIds));
    on('ec2', mocks.ec2, DeleteVolumeCommand, (r, input: { VolumeId: string }) => this.deleteVolume(r, input.VolumeId));
    on('rds', mocks.rds, RestoreDBInstanceToPointInTimeCommand, (r, input: RestoreDBInstanceToPointInTimeCommandInput) => this.restore(r, input));
    on('rds', mocks.rds, DeleteDBInstanceCommand, (r, input: { DBInstanceIdentifier: string; SkipFinalSnapshot?: boolean }) =>
      this.deleteDb(r, input),
    );
    on('rds', mocks.rds, DescribeDBSubnetGroupsCommand, (r, input: { DBSubnetGroupName: string }) => {
      const g = this.dbSubnetGroups[r]?.get(input.DBSubnetGroupName);
      if (!g) throw awsError('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${input.DBSubnetGroupName} not found.`);
      return {
        DBSubnetGroups: [{ DBSubnetGroupName: input.DBSubnetGroupName, Subnets: g.subnetIds.map((SubnetIdentifier) => ({ SubnetIdentifier })) }],
      };
    });
    on('rds', mocks.rds, CreateDBSubnetGroupCommand, (r, input: { DBSubnetGroupName: string; SubnetIds: string[]; Tags?: Tag[] }) =>
      this.createSubnetGroup(r, input),
    );
    on('secretsmanager', sm, CreateSecretCommand, (r, input: CreateSecretCommandInput) => this.createSecret(r, input));
    on('secretsmanager', sm, GetSecretValueCommand, (r, input: { SecretId: string }) => {
      const s = this.findSecret(r, input.SecretId);
      return { ARN: s.ARN, Name: s.Name, SecretString: s.SecretString };
    });
    on('secretsmanager', sm, DeleteSecretCommand, (r, input: { SecretId: string; ForceDeleteWithoutRecovery?: boolean }) => {
      const s = this.findSecret(r, input.SecretId);
      this.secretsIn(r).delete(s.ARN);
      return { ARN: s.ARN, Name: s.Name };
    });
    on('secretsmanager', sm, ListSecretsCommand, (r, input: { Filters?: { Key: string; Values: string[] }[] }) => ({
      SecretList: [...this.secretsIn(r).values()]
        .filter((s) =>
          (input.Filters ?? []).every((f) => {
            if (f.Key !== 'tag-key') throw new Error(`fake Secrets Manager: unsupported filter ${f.Key}`);
            return s.Tags.some((t) => f.Values.includes(t.Key!));
          }),
        )
        .map((s) => ({ ARN: s.ARN, Name: s.Name, Tags: structuredClone(s.Tags) })),
    }));
    return { restore: () => sm.restore() };
  }

  private findSecret(region: string, id: string): FakeSecret {
    const s = [...this.secretsIn(region).values()].find((x) => x.ARN === id || x.Name === id);
    if (!s) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret ${id}.`);
    return s;
  }

  createSecret(region: string, input: CreateSecretCommandInput): { ARN: string; Name: string } {
    if ([...this.secretsIn(region).values()].some((s) => s.Name === input.Name))
      throw awsError('ResourceExistsException', `secret ${input.Name} already exists.`);
    if (input.KmsKeyId?.startsWith('alias/') && !this.aws.region(region).aliases.has(input.KmsKeyId))
      throw awsError('KMSInvalidStateException', `${input.KmsKeyId} not found in ${region}`);
    const arn = `arn:aws:secretsmanager:${region}:333333333333:secret:${input.Name}-${this.id('s').slice(-6)}`;
    this.secretsIn(region).set(arn, {
      ARN: arn,
      Name: input.Name!,
      SecretString: input.SecretString ?? '',
      KmsKeyId: input.KmsKeyId,
      Tags: [...(input.Tags ?? [])] as Tag[],
      Description: input.Description,
    });
    return { ARN: arn, Name: input.Name! };
  }

  private runInstances(region: string, input: RunInstancesCommandInput) {
    const r = this.aws.region(region);
    const token = input.ClientToken;
    if (token && r.tokens.has(token)) return { Instances: [{ InstanceId: r.tokens.get(token) }] };
    const nic = input.NetworkInterfaces?.[0];
    const subnet = (this.subnets[region] ?? []).find((s) => s.SubnetId === (nic?.SubnetId ?? input.SubnetId));
    if (!subnet) throw awsError('InvalidSubnetID.NotFound', `The subnet ID '${nic?.SubnetId ?? input.SubnetId}' does not exist in ${region}`);
    for (const g of nic?.Groups ?? input.SecurityGroupIds ?? []) {
      if (!(this.securityGroups[region] ?? []).some((x) => x.GroupId === g && x.VpcId === subnet.VpcId))
        throw awsError('InvalidGroup.NotFound', `security group ${g} not in ${subnet.VpcId}`);
    }
    if (!input.ImageId?.startsWith('resolve:ssm:') && !input.ImageId?.startsWith('ami-'))
      throw awsError('InvalidAMIID.Malformed', String(input.ImageId));
    if (input.MetadataOptions?.HttpTokens !== 'required') r.violations.push('instance launched without IMDSv2 required');
    if (nic?.AssociatePublicIpAddress !== false) r.violations.push('instance may get a public IP');
    if (input.BlockDeviceMappings?.some((m) => m.Ebs && !m.Ebs.Encrypted)) r.violations.push('unencrypted root volume');
    const id = this.id('i');
    const tagsOf = (type: string) =>
      ((input.TagSpecifications ?? []).find((t) => t.ResourceType === type)?.Tags?.map((t) => ({ ...t })) as Tag[]) ?? [];
    const rootId = this.id('vol-root');
    r.volumes.set(rootId, {
      VolumeId: rootId,
      AvailabilityZone: subnet.AvailabilityZone,
      State: 'in-use',
      Size: 30,
      Encrypted: true,
      KmsKeyId: r.aliases.get(String(input.BlockDeviceMappings?.[0]?.Ebs?.KmsKeyId)),
      Tags: tagsOf('volume'),
      Attachments: [{ InstanceId: id, Device: '/dev/xvda', State: 'attached' }],
    });
    r.instances.set(id, {
      InstanceId: id,
      AvailabilityZone: subnet.AvailabilityZone,
      State: 'pending',
      Tags: tagsOf('instance'),
      devices: { '/dev/xvda': rootId },
      PrivateIpAddress: this.address,
    });
    this.runInputs.set(id, input);
    if (token) r.tokens.set(token, id);
    r.later(() => {
      r.instances.get(id)!.State = 'running';
    });
    const boot = this.onBoot?.({ kind: 'ec2', region, instanceId: id, userData: Buffer.from(input.UserData ?? '', 'base64').toString('utf-8') });
    return Promise.resolve(boot).then(() => ({ Instances: [{ InstanceId: id, State: { Name: 'pending' } }] }));
  }

  private terminate(region: string, ids: string[]) {
    const r = this.aws.region(region);
    for (const id of ids) {
      const i = r.instances.get(id);
      if (!i) throw awsError('InvalidInstanceID.NotFound', id);
      i.State = 'shutting-down';
      r.later(() => {
        i.State = 'terminated';
        for (const vol of Object.values(i.devices)) {
          const v = r.volumes.get(vol);
          if (!v) continue;
          // The root volume goes with the instance (DeleteOnTermination); attached data volumes are detached and kept.
          if (v.Attachments.some((a) => a.Device === '/dev/xvda')) r.volumes.delete(vol);
          else {
            v.Attachments = [];
            v.State = 'available';
          }
        }
        i.devices = {};
      });
    }
    return { TerminatingInstances: ids.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down' } })) };
  }

  private deleteVolume(region: string, id: string) {
    const r = this.aws.region(region);
    const v = r.volumes.get(id);
    if (!v) throw awsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    if (v.State !== 'available' && v.State !== 'error') throw awsError('VolumeInUse', `Volume ${id} is ${v.State}`);
    r.volumes.delete(id);
    return {};
  }

  private createSubnetGroup(region: string, input: { DBSubnetGroupName: string; SubnetIds: string[]; Tags?: Tag[] }) {
    const groups = (this.dbSubnetGroups[region] ??= new Map());
    if (groups.has(input.DBSubnetGroupName)) throw awsError('DBSubnetGroupAlreadyExistsFault', input.DBSubnetGroupName);
    const subnets = input.SubnetIds.map((id) => (this.subnets[region] ?? []).find((s) => s.SubnetId === id));
    if (subnets.some((s) => !s)) throw awsError('InvalidSubnet', `a subnet of ${input.SubnetIds.join(',')} is not in ${region}`);
    if (new Set(subnets.map((s) => s!.AvailabilityZone)).size < 2)
      throw awsError('DBSubnetGroupDoesNotCoverEnoughAZs', 'needs subnets in at least 2 AZs');
    groups.set(input.DBSubnetGroupName, { subnetIds: [...input.SubnetIds], tags: [...(input.Tags ?? [])] });
    return { DBSubnetGroup: { DBSubnetGroupName: input.DBSubnetGroupName } };
  }

  private restore(region: string, input: RestoreDBInstanceToPointInTimeCommandInput) {
    const rds = this.aws.rdsRegion(region);
    let kmsKeyId: string | undefined;
    let window: { latest?: Date; earliest?: Date };
    let engine: string | undefined;
    if (input.SourceDBInstanceAutomatedBackupsArn) {
      const b = rds.backups.find((x) => x.DBInstanceAutomatedBackupsArn === input.SourceDBInstanceAutomatedBackupsArn);
      if (!b) throw awsError('DBInstanceAutomatedBackupNotFound', `${input.SourceDBInstanceAutomatedBackupsArn} not found in ${region}`);
      kmsKeyId = b.KmsKeyId;
      window = { latest: b.RestoreWindow.LatestTime, earliest: b.RestoreWindow.EarliestTime };
    } else {
      const src = rds.instances.find((d) => d.DBInstanceIdentifier === input.SourceDBInstanceIdentifier);
      if (!src) throw awsError('DBInstanceNotFoundFault', `DBInstance ${String(input.SourceDBInstanceIdentifier)} not found in ${region}.`);
      if (src.ReadReplicaSourceDBInstanceIdentifier)
        throw awsError(
          'InvalidDBInstanceStateFault',
          `${src.DBInstanceIdentifier} is a read replica: point-in-time restore is supported for the writer only.`,
        );
      kmsKeyId = src.KmsKeyId;
      engine = src.Engine;
      window = { latest: src.LatestRestorableTime, earliest: src.EarliestRestorableTime };
    }
    if (!window.latest) throw awsError('InvalidDBInstanceStateFault', 'automated backups are not enabled: nothing to restore');
    if (!input.UseLatestRestorableTime === !input.RestoreTime)
      throw awsError('InvalidParameterCombination', 'give exactly one of RestoreTime and UseLatestRestorableTime');
    if (input.RestoreTime && (input.RestoreTime > window.latest || (window.earliest && input.RestoreTime < window.earliest))) {
      throw awsError('InvalidRestoreFault', `RestoreTime ${input.RestoreTime.toISOString()} is outside the restorable window`);
    }
    const target = input.TargetDBInstanceIdentifier!;
    if (rds.instances.some((d) => d.DBInstanceIdentifier === target)) throw awsError('DBInstanceAlreadyExists', target);
    if (!input.DBSubnetGroupName || !this.dbSubnetGroups[region]?.has(input.DBSubnetGroupName))
      throw awsError('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${String(input.DBSubnetGroupName)} not found.`);
    for (const g of input.VpcSecurityGroupIds ?? []) {
      if (!(this.securityGroups[region] ?? []).some((x) => x.GroupId === g))
        throw awsError('InvalidVPCNetworkStateFault', `security group ${g} not in ${region}`);
    }
    const db: FakeDb = {
      DBInstanceIdentifier: target,
      DBInstanceArn: `arn:aws:rds:${region}:333333333333:db:${target}`,
      DBInstanceStatus: 'creating',
      TagList: [...(input.Tags ?? [])] as Tag[],
      KmsKeyId: kmsKeyId,
      Engine: engine,
      DBInstanceClass: input.DBInstanceClass,
      DBSubnetGroup: { DBSubnetGroupName: input.DBSubnetGroupName },
      VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((VpcSecurityGroupId) => ({ VpcSecurityGroupId })),
      MultiAZ: input.MultiAZ,
      PubliclyAccessible: input.PubliclyAccessible,
      DeletionProtection: input.DeletionProtection,
    };
    rds.instances.push(db);
    this.restoreInputs.set(target, input);
    let password = '';
    if (input.ManageMasterUserPassword) {
      password = `Rds${this.id('pw').replace(/-/g, '')}Secret`;
      const secret = this.createSecret(region, {
        Name: `rds!db-${target}`,
        SecretString: JSON.stringify({ username: 'flavors_admin', password }),
        KmsKeyId: input.MasterUserSecretKmsKeyId,
      });
      db.MasterUserSecret = { SecretArn: secret.ARN, KmsKeyId: input.MasterUserSecretKmsKeyId };
    }
    rds.pending.push({
      ticks: 1,
      apply: () => {
        db.DBInstanceStatus = 'available';
        db.Endpoint = { Address: this.address, Port: this.rdsPort };
      },
    });
    const boot = this.onBoot?.({ kind: 'rds', region, id: target, username: 'flavors_admin', password });
    return Promise.resolve(boot).then(() => ({ DBInstance: { DBInstanceIdentifier: target, DBInstanceStatus: 'creating' } }));
  }

  private deleteDb(region: string, input: { DBInstanceIdentifier: string; SkipFinalSnapshot?: boolean; FinalDBSnapshotIdentifier?: string }) {
    const rds = this.aws.rdsRegion(region);
    const db = rds.instances.find((d) => d.DBInstanceIdentifier === input.DBInstanceIdentifier);
    if (!db) throw awsError('DBInstanceNotFoundFault', `DBInstance ${input.DBInstanceIdentifier} not found.`);
    if (db.DeletionProtection !== false) throw awsError('InvalidParameterCombination', `${db.DBInstanceIdentifier} has deletion protection on`);
    if (!input.SkipFinalSnapshot && !input.FinalDBSnapshotIdentifier)
      throw awsError('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot');
    if (db.DBInstanceStatus === 'deleting') throw awsError('InvalidDBInstanceStateFault', `${db.DBInstanceIdentifier} is already being deleted`);
    db.DBInstanceStatus = 'deleting';
    rds.pending.push({
      ticks: 1,
      apply: () => {
        rds.instances.splice(rds.instances.indexOf(db), 1);
        if (db.MasterUserSecret) this.secretsIn(region).delete(db.MasterUserSecret.SecretArn);
      },
    });
    return { DBInstance: { DBInstanceIdentifier: db.DBInstanceIdentifier, DBInstanceStatus: 'deleting' } };
  }
}
