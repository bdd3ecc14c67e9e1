import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { regionInfo } from '../flavor/regions';
import { validateRdsDatabase } from '../flavor/validate';
import { inPacks, suppressNag } from '../nag-suppressions';
import { MANAGED_DATABASE_DEFAULTS as D } from './defaults';
import { selectDatabaseSubnets } from './subnets';
import { DB_TAGS } from './tags';

/** A user name both engines accept in an `rds-db:connect` ARN; `*` and `/` would widen the grant. */
const DB_USER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export type ManagedDatabaseEngine = 'postgres' | 'mysql';

/** The primary instance a cross-region read replica follows. */
export interface ManagedDatabaseSource {
  /** ARN of the primary DB instance. */
  readonly instanceArn: string;
  /** Region of the primary DB instance. */
  readonly region: string;
}

/** Where automated backups of a primary are replicated to, and the key encrypting them there. */
export interface BackupReplication {
  readonly region: string;
  /** ARN of a KMS key in `region` (for a flavor, the replica of the flavor key there). */
  readonly keyArn: string;
}

export interface ManagedDatabaseProps {
  /** The VPC the instance runs in; a `RegionalVpc` exposes its own as `.vpc`. */
  readonly vpc: ec2.IVpc;
  readonly engine: ManagedDatabaseEngine;
  /** A `db.r5` class, e.g. `db.r5.large`. */
  readonly instanceType: string;
  /** Allocated gp3 storage, 20 to 65536 GiB. */
  readonly storageGiB: number;
  /**
   * Encrypts storage, Performance Insights and the master password secret.
   * @default a new KMS key with rotation on, retained on delete
   */
  readonly key?: kms.IKey;
  /** @default the VPC's isolated subnets (a `RegionalVpc`'s `Database` group) */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * CIDR block that clients (and, for a fleet, replicas) connect from. Pass the literal (e.g.
   * `RegionalVpc.cidr`) so the rules read as written and checkers such as cdk-nag can judge them.
   * @default the VPC's CIDR block (`vpc.vpcCidrBlock`, known at deploy time)
   */
  readonly clientCidr?: string;
  /**
   * Makes this a cross-region read replica of a primary in another region (the flavor's primary
   * region), encrypted with `key` in this region. `flavors failover` promotes it.
   * @default a primary instance
   */
  readonly replicaOf?: ManagedDatabaseSource;
  /**
   * Replicates the primary's automated backups to another region (a region of the flavor).
   * Not allowed on a replica.
   * @default backups stay in this region
   */
  readonly backupReplication?: BackupReplication;
  /** @default 14 days */
  readonly backupRetention?: Duration;
  /** Flavor name, written to the `flavors:flavor` tag. @default no flavor tag */
  readonly flavorName?: string;
  /** Database name, written to the `flavors:database` tag. @default the construct id */
  readonly databaseName?: string;
}

/**
 * Amazon RDS for PostgreSQL or MySQL on a `db.r5` class: Multi-AZ, gp3 storage encrypted with the
 * key, deletion protection, a final snapshot on delete, 14 days of backups, IAM database
 * authentication, Performance Insights encrypted with the key, TLS required, logs exported to
 * CloudWatch, in isolated subnets behind a security group open to the VPC only. RDS manages and
 * rotates the master password in Secrets Manager (encrypted with the key). With `replicaOf` it is
 * a cross-region read replica instead; with `backupReplication` the primary's automated backups
 * are also kept in that region.
 */
export class ManagedDatabase extends Construct {
  /** The DB instance. */
  readonly resource: rds.CfnDBInstance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly instanceArn: string;
  readonly endpointAddress: string;
  readonly port: number;
  readonly key: kms.IKey;
  readonly isReplica: boolean;
  /** ARN of the RDS-managed master password secret; undefined on a replica (it uses the primary's). */
  readonly masterUserSecretArn?: string;

  constructor(scope: Construct, id: string, props: ManagedDatabaseProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.validate(stack, props);
    this.isReplica = props.replicaOf !== undefined;
    this.port = D.port[props.engine];
    const databaseName = props.databaseName ?? id;

    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: `flavors: ${databaseName} RDS data`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `flavors ${this.node.path}: ${props.engine} from inside the VPC only`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      ec2.Peer.ipv4(props.clientCidr ?? props.vpc.vpcCidrBlock),
      ec2.Port.tcp(this.port),
      `${props.engine} clients in the VPC`,
    );
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(this.port) });

    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: props.vpc,
      vpcSubnets: { subnets: selectDatabaseSubnets(this, 'ManagedDatabase', props.vpc, props.vpcSubnets) },
      description: `flavors ${this.node.path}: isolated subnets`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const parameterGroup = new rds.CfnDBParameterGroup(this, 'Parameters', {
      family: D.parameterGroupFamily[props.engine],
      description: `flavors ${this.node.path}: TLS required`,
      parameters: { ...D.parameters[props.engine] },
    });

    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      description: `flavors ${this.node.path}: RDS Enhanced Monitoring publishes OS metrics`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
    });
    suppressNag(monitoringRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS documents ' +
          'for Enhanced Monitoring; it only writes the RDSOSMetrics log group.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
      },
    ]);
    const optionGroup = props.engine === 'mysql' ? this.mysqlAuditOptionGroup() : undefined;

    const common: rds.CfnDBInstanceProps = {
      dbInstanceClass: props.instanceType,
      dbSubnetGroupName: subnetGroup.subnetGroupName,
      dbParameterGroupName: parameterGroup.ref,
      vpcSecurityGroups: [this.securityGroup.securityGroupId],
      multiAz: D.multiAz,
      publiclyAccessible: false,
      storageType: D.storageType,
      allocatedStorage: String(props.storageGiB),
      kmsKeyId: this.key.keyArn,
      deletionProtection: true,
      enableIamDatabaseAuthentication: true,
      enablePerformanceInsights: true,
      performanceInsightsKmsKeyId: this.key.keyArn,
      performanceInsightsRetentionPeriod: D.performanceInsightsRetentionDays,
      backupRetentionPeriod: (props.backupRetention ?? D.backupRetention).toDays(),
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      enableCloudwatchLogsExports: [...D.cloudwatchLogsExports[props.engine]],
      monitoringInterval: D.monitoringIntervalSeconds,
      monitoringRoleArn: monitoringRole.roleArn,
      optionGroupName: optionGroup?.ref,
      port: String(this.port),
    };

    if (props.replicaOf) {
      this.resource = new rds.CfnDBInstance(this, 'Resource', {
        ...common,
        // Engine, version, storage encryption and credentials come from the source instance.
        sourceDbInstanceIdentifier: props.replicaOf.instanceArn,
        sourceRegion: props.replicaOf.region,
      });
      // A read replica cannot take a final snapshot: keep it on delete instead, with what it still uses.
      this.resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
      for (const used of [parameterGroup, this.securityGroup, monitoringRole, optionGroup]) used?.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const inherited =
        'A read replica inherits storage encryption from its source (StorageEncrypted ' +
        'must be left out); KmsKeyId encrypts it with the flavor key of this region.';
      suppressNag(this.resource, [{ id: 'AwsSolutions-RDS2', reason: inherited }, ...inPacks('RDSStorageEncrypted', inherited)]);
    } else {
      this.resource = new rds.CfnDBInstance(this, 'Resource', {
        ...common,
        engine: props.engine,
        engineVersion: D.engineVersion[props.engine],
        storageEncrypted: true,
        masterUsername: D.masterUsername,
        manageMasterUserPassword: true,
        masterUserSecret: { kmsKeyId: this.key.keyArn },
        automaticBackupReplicationRegion: props.backupReplication?.region,
        automaticBackupReplicationKmsKeyId: props.backupReplication?.keyArn,
        automaticBackupReplicationRetentionPeriod: props.backupReplication ? (props.backupRetention ?? D.backupRetention).toDays() : undefined,
      });
      this.resource.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
      this.masterUserSecretArn = this.resource.attrMasterUserSecretSecretArn;
    }
    suppressNag(this.resource, [
      {
        id: 'NIST.800.53.R5-RDSInBackupPlan',
        reason:
          'RDS automated backups (14 days, point-in-time restore, a final snapshot on delete) and the cross-region read replica ' +
          "in the flavor's fallback region are the backup; AWS Backup would add a second copy outside the flavor's own plan.",
      },
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The engine default port is kept so standard clients and drivers work unchanged; the security ' +
          'group admits it from inside the VPC only and TLS plus IAM authentication are required.',
      },
    ]);
    this.instanceArn = this.resource.attrDbInstanceArn;
    this.endpointAddress = this.resource.attrEndpointAddress;

    if (props.flavorName) Tags.of(this).add(DB_TAGS.flavor, props.flavorName);
    Tags.of(this).add(DB_TAGS.database, databaseName);
  }

  /** RDS's MariaDB Audit Plugin, so the `audit` log MySQL exports has content. */
  private mysqlAuditOptionGroup(): rds.CfnOptionGroup {
    return new rds.CfnOptionGroup(this, 'Options', {
      engineName: 'mysql',
      majorEngineVersion: D.majorEngineVersion.mysql,
      optionGroupDescription: `flavors ${this.node.path}: audit log`,
      optionConfigurations: [
        {
          optionName: 'MARIADB_AUDIT_PLUGIN',
          optionSettings: [{ name: 'SERVER_AUDIT_EVENTS', value: D.mysqlAuditEvents }],
        },
      ],
    });
  }

  /**
   * Lets `grantee` log in as database user `dbUser` with an IAM authentication token (IAM database
   * authentication is on): `rds-db:connect` on
   * `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<dbUser>`, this instance only. The
   * user must exist in the database and be granted `rds_iam` (PostgreSQL) or be identified with
   * `AWSAuthenticationPlugin` (MySQL).
   */
  grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    if (!Token.isUnresolved(dbUser) && !DB_USER.test(dbUser)) {
      const problems = new Problems();
      problems.error(
        'dbUser',
        'RDS_DB_USER_INVALID',
        `'${dbUser}' is not a database user name: 1 to 63 letters, digits, '_' ` +
          `or '$', starting with a letter or '_' (no wildcards: grant each user).`,
      );
      problems.throwIfAny(`ManagedDatabase ${this.node.path}`);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['rds-db:connect'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'rds-db',
          resource: 'dbuser',
          resourceName: `${this.resource.attrDbiResourceId}/${dbUser}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
  }

  private validate(stack: Stack, props: ManagedDatabaseProps): void {
    const problems = new Problems();
    problems.add(
      validateRdsDatabase({ engine: props.engine, instanceType: props.instanceType, storageGiB: props.storageGiB }).filter(
        (p) => !Token.isUnresolved((props as unknown as Record<string, unknown>)[p.path]),
      ),
    );
    const error = problems.error.bind(problems);
    const here = Token.isUnresolved(stack.region) ? undefined : stack.region;
    for (const [path, region] of [
      ['replicaOf.region', props.replicaOf?.region],
      ['backupReplication.region', props.backupReplication?.region],
    ] as const) {
      if (region === undefined || Token.isUnresolved(region)) continue;
      if (!regionInfo(region)) error(path, 'RDS_REGION_UNKNOWN', `'${region}' is not an AWS commercial region.`);
      else if (region === here) error(path, 'RDS_REGION_SAME', `${region} is this stack's own region; name another region of the flavor.`);
    }
    if (props.replicaOf && props.backupReplication) {
      error(
        'backupReplication',
        'RDS_REPLICA_BACKUP_REPLICATION',
        'a read replica does not replicate automated backups; set backupReplication on the primary only.',
      );
    }
    const retention = props.backupRetention?.toDays();
    if (retention !== undefined && !Token.isUnresolved(retention) && (retention < 1 || retention > 35)) {
      error('backupRetention', 'RDS_BACKUP_RETENTION_INVALID', `backupRetention must be from 1 to 35 days, got ${retention}.`);
    }
    problems.throwIfAny(`ManagedDatabase ${this.node.path}`);
  }
}
