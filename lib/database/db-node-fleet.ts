import { Annotations, ArnFormat, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import type { DatabaseEngine, RegionRole, VolumeSpec } from '../flavor/types';
import { GP3 } from '../flavor/defaults';
import { validateEc2Database } from '../flavor/validate';
import { inPacks, suppressInlineRolePolicy, suppressNag } from '../nag-suppressions';
import { DB_NODE_FLEET_DEFAULTS as D, ENGINE_PORTS, type PortRange } from './defaults';
import { nodeUserDataCommands } from './engines';
import { selectDatabaseSubnets } from './subnets';
import { DB_DATA_DEVICE, DB_DATA_ROLE, DB_TAGS } from './tags';

export interface DbNodeFleetProps {
  /** The VPC the nodes run in; a `RegionalVpc` exposes its own as `.vpc`. */
  readonly vpc: ec2.IVpc;
  readonly engine: DatabaseEngine;
  /** An EC2 R5 type (`r5`, `r5a`, `r5b`, `r5d`, `r5n`, `r5dn`, `r5ad`), e.g. `r5.xlarge`. */
  readonly instanceType: string;
  /** Number of nodes, 1 to 15, spread over the subnets' availability zones. */
  readonly nodes: number;
  /** The gp3 data volume of each node. */
  readonly volume: VolumeSpec;
  /**
   * Encrypts data volumes, root volumes and the engine password.
   * @default a new KMS key with rotation on, retained on delete
   */
  readonly key?: kms.IKey;
  /**
   * `primary`: the live cluster (node 0 primary, the others replicas). `fallback`: a warm standby in
   * a fallback region — nodes and data volumes exist and the engine is installed, but no cluster
   * runs until `flavors failover` restores the volumes from copied snapshots.
   * @default 'primary'
   */
  readonly role?: RegionRole;
  /**
   * Where the nodes run.
   * @default the VPC's isolated subnets (a `RegionalVpc`'s `Database` group), one node per zone in turn
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * CIDR block that clients (and, for a fleet, replicas) connect from. Pass the literal (e.g.
   * `RegionalVpc.cidr`) so the rules read as written and checkers such as cdk-nag can judge them.
   * @default the VPC's CIDR block (`vpc.vpcCidrBlock`, known at deploy time)
   */
  readonly clientCidr?: string;
  /** Flavor name, written to the `flavors:flavor` tag. @default no flavor tag */
  readonly flavorName?: string;
  /** Database name, written to the `flavors:database` tag. @default the construct id */
  readonly databaseName?: string;
  /**
   * Name of an existing Secrets Manager secret in this region whose value is the engine password
   * (letters and digits). The nodes' role may read it; its key must let them decrypt it.
   * @default a new secret with a generated password, encrypted with `key`
   */
  readonly credentialsSecretName?: string;
}

/** One node of a fleet: its instance and its retained data volume. */
export interface DbNode {
  readonly index: number;
  readonly instance: ec2.Instance;
  readonly volume: ec2.CfnVolume;
  readonly attachment: ec2.CfnVolumeAttachment;
}

/**
 * Dedicated database nodes on EC2 R5 with data on separate, retained gp3 EBS volumes.
 *
 * Each node is an Amazon Linux 2023 instance in an isolated subnet (zones in turn) with IMDSv2
 * required, no key pair and no public address (access through SSM Session Manager), an encrypted
 * root volume and termination protection. Its data lives on an `AWS::EC2::Volume` attached at
 * `/dev/sdf`, encrypted with the key, retained on delete and tagged `flavors:role=db-data` (what
 * snapshot policies select), `flavors:database`, `flavors:node` and `flavors:region-role`.
 * User data formats a blank data volume, mounts it and installs the engine from distribution
 * packages; for postgres node 0 is the primary and the others stream from it. The security group
 * admits the engine's client ports from the VPC only.
 */
export class DbNodeFleet extends Construct {
  readonly nodes: readonly DbNode[];
  readonly instances: readonly ec2.Instance[];
  readonly volumes: readonly ec2.CfnVolume[];
  readonly securityGroup: ec2.SecurityGroup;
  /** Security group access to the engine's client port (first client port for couchbase). */
  readonly connections: ec2.Connections;
  /** Role of every node: SSM core, read of the engine password, decrypt with the key. */
  readonly role: iam.Role;
  private readonly instanceProfile: iam.InstanceProfile;
  readonly key: kms.IKey;
  /** The secret this fleet created; undefined when it reads an existing one. */
  readonly secret?: secretsmanager.Secret;
  /** Name of the Secrets Manager secret holding the engine password. */
  readonly secretName: string;
  /** Private IPv4 address of node 0, the primary of a live cluster. */
  readonly primaryAddress: string;
  readonly engine: DatabaseEngine;
  readonly regionRole: RegionRole;

  constructor(scope: Construct, id: string, props: DbNodeFleetProps) {
    super(scope, id);
    this.validate(props);
    const stack = Stack.of(this);
    this.engine = props.engine;
    this.regionRole = props.role ?? D.role;
    const databaseName = props.databaseName ?? id;
    const ports = ENGINE_PORTS[props.engine];

    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: `flavors: ${databaseName} data`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    const subnets = selectDatabaseSubnets(this, 'DbNodeFleet', props.vpc, props.vpcSubnets);
    this.warnAboutPlacement(props, subnets);

    const clientCidr = props.clientCidr ?? props.vpc.vpcCidrBlock;
    this.securityGroup = this.createSecurityGroup(props.vpc, clientCidr, ports);
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: toPort(ports.client[0]) });

    const credentials = this.credentials(props.credentialsSecretName, databaseName);
    this.secret = credentials.secret;
    this.secretName = credentials.secretName;
    this.role = this.createRole(stack, credentials.secretArn);
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.role });

    const nodes: DbNode[] = [];
    for (let index = 0; index < props.nodes; index++) {
      nodes.push(
        this.createNode(props, {
          index,
          subnet: subnets[index % subnets.length],
          clientCidr,
          databaseName,
          primaryAddress: nodes[0]?.instance.instancePrivateIp,
          region: stack.region,
        }),
      );
    }
    this.nodes = nodes;
    this.instances = nodes.map((n) => n.instance);
    this.volumes = nodes.map((n) => n.volume);
    this.primaryAddress = nodes[0].instance.instancePrivateIp;

    if (props.flavorName) Tags.of(this).add(DB_TAGS.flavor, props.flavorName);
    Tags.of(this).add(DB_TAGS.database, databaseName);
    Tags.of(this).add(DB_TAGS.regionRole, this.regionRole);
  }

  private validate(props: DbNodeFleetProps): void {
    const problems = new Problems();
    problems.add(
      validateEc2Database({
        engine: props.engine,
        instanceType: props.instanceType,
        nodes: props.nodes,
        volume: props.volume,
      }).filter((p) => !Token.isUnresolved(valueAt(props, p.path))),
    );
    if (Token.isUnresolved(props.nodes)) {
      problems.error(
        'nodes',
        'FLEET_NODES_UNRESOLVED',
        'nodes must be a number known at synth time (one instance and volume per node), not a token.',
      );
    }
    if (props.role !== undefined && props.role !== 'primary' && props.role !== 'fallback') {
      problems.error('role', 'FLEET_ROLE_INVALID', `role '${String(props.role)}' must be 'primary' (live cluster) or 'fallback' (warm standby).`);
    }
    problems.throwIfAny(`DbNodeFleet ${this.node.path}`);
  }

  private warnAboutPlacement(props: DbNodeFleetProps, subnets: readonly ec2.ISubnet[]): void {
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (props.nodes > 1 && zones.size < 2 && !subnets.some((s) => Token.isUnresolved(s.availabilityZone))) {
      Annotations.of(this).addWarningV2(
        'flavors:fleet-single-az',
        `all ${props.nodes} nodes are in ${[...zones].join(', ')}: an outage of that zone stops every node; select subnets in 2 or more zones.`,
      );
    }
    if (!Token.isUnresolved(props.instanceType) && !D.inTransitEncryptionFamilies.includes(props.instanceType.split('.')[0])) {
      Annotations.of(this).addWarningV2(
        'flavors:fleet-no-in-transit-encryption',
        `${props.instanceType} does not encrypt traffic between instances in the network (AWS Nitro in-transit encryption); ` +
          `use the same size of ${D.inTransitEncryptionFamilies.join(' or ')} ` +
          `(e.g. ${props.instanceType.replace(/^r5[a-z]*\./, 'r5n.')}), or rely on the engine's TLS alone.`,
      );
    }
    const isolated = new Set(props.vpc.isolatedSubnets.map((s) => s.subnetId));
    if (props.engine === 'couchbase' && subnets.every((s) => isolated.has(s.subnetId))) {
      Annotations.of(this).addWarningV2(
        'flavors:fleet-couchbase-egress',
        'couchbase installs from packages.couchbase.com, which isolated subnets cannot ' +
          'reach: give the subnets an egress path (NAT or proxy) or pass vpcSubnets with egress.',
      );
    }
    if (props.engine === 'mysql' && subnets.every((s) => isolated.has(s.subnetId))) {
      Annotations.of(this).addWarningV2(
        'flavors:fleet-mysql-egress',
        'mysql installs MySQL 8.4 from repo.mysql.com, which isolated subnets cannot reach: ' +
          'give the subnets an egress path (NAT or proxy) or pass vpcSubnets with egress.',
      );
    }
  }

  private createSecurityGroup(
    vpc: ec2.IVpc,
    clientCidr: string,
    ports: { readonly client: readonly PortRange[]; readonly cluster: readonly PortRange[] },
  ): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `flavors ${this.node.path}: ${this.engine} from inside the VPC only`,
      allowAllOutbound: false,
    });
    const vpcPeer = ec2.Peer.ipv4(clientCidr);
    for (const range of ports.client) {
      sg.addIngressRule(vpcPeer, toPort(range), `${this.engine} clients in the VPC`);
      sg.addEgressRule(vpcPeer, toPort(range), `${this.engine} replication to other nodes`);
    }
    for (const range of ports.cluster) {
      sg.addIngressRule(sg, toPort(range), `${this.engine} node-to-node`);
      sg.addEgressRule(sg, toPort(range), `${this.engine} node-to-node`);
    }
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to VPC endpoints (SSM, KMS) and package repositories');
    return sg;
  }

  private credentials(existing: string | undefined, databaseName: string): { secret?: secretsmanager.Secret; secretName: string; secretArn: string } {
    if (existing !== undefined) {
      const secretName = existing;
      // Secrets Manager appends '-' and 6 random characters to a secret's ARN.
      return {
        secretName,
        secretArn: Stack.of(this).formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${secretName}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      };
    }
    const secretName = `flavors/${Names.uniqueResourceName(this, { maxLength: 180, separator: '-', allowedSpecialCharacters: '-' })}/credentials`;
    const secret = new secretsmanager.Secret(this, 'Credentials', {
      secretName,
      description: `flavors: ${this.engine} password of ${databaseName} (replication and cluster admin)`,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: D.passwordLength, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    suppressNag(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The password is stored inside the database on retained volumes; rotating it needs a coordinated change ' +
          'on the running primary and every replica, which operators run through SSM, not a Lambda rotation.',
      },
      {
        id: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
        reason:
          'The password is stored inside the database on retained volumes; rotating it needs a coordinated change ' +
          'on the running primary and every replica, which operators run through SSM, not a Lambda rotation.',
      },
    ]);
    return { secret, secretName, secretArn: secret.secretArn };
  }

  private createRole(stack: Stack, secretArn: string): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `flavors ${this.node.path}: database node (SSM access, engine password)`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadEnginePasswordThroughParameterStore',
        actions: ['ssm:GetParameter'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `aws/reference/secretsmanager/${this.secretName}` })],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadEnginePassword', actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
    );
    this.key.grantDecrypt(role);
    suppressInlineRolePolicy(role.node.findChild('DefaultPolicy'));
    suppressNag(role, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager ' +
          'and Run Command, the only way into the nodes (no SSH key, no public address).',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
      },
    ]);
    return role;
  }

  private createNode(
    props: DbNodeFleetProps,
    at: { index: number; subnet: ec2.ISubnet; clientCidr: string; databaseName: string; primaryAddress?: string; region: string },
  ): DbNode {
    const scope = new Construct(this, `Node${at.index}`);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...nodeUserDataCommands(props.engine, {
        databaseName: at.databaseName,
        index: at.index,
        nodes: props.nodes,
        role: this.regionRole,
        primaryAddress: at.primaryAddress,
        vpcCidr: at.clientCidr,
        region: at.region,
        secretName: this.secretName,
      }),
    );

    const instance = new ec2.Instance(scope, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnets: [at.subnet] },
      instanceType: new ec2.InstanceType(props.instanceType),
      machineImage: ec2.MachineImage.resolveSsmParameterAtLaunch(D.machineImageParameter, { os: ec2.OperatingSystemType.LINUX }),
      instanceProfile: this.instanceProfile,
      securityGroup: this.securityGroup,
      userData,
      httpTokens: ec2.HttpTokens.REQUIRED,
      httpEndpoint: true,
      associatePublicIpAddress: false,
      detailedMonitoring: D.detailedMonitoring,
      disableApiTermination: D.terminationProtection,
      propagateTagsToVolumeOnCreation: true,
      blockDevices: [
        {
          deviceName: D.rootDeviceName,
          volume: ec2.BlockDeviceVolume.ebs(D.rootVolumeSizeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: this.key,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    // `resolve:ssm:<parameter>` is EC2's documented ImageId form (the AMI is resolved at launch);
    // cfn-lint's E1152 only knows the `ami-…` pattern and reports it as an error: a false positive.
    (instance.node.defaultChild as ec2.CfnInstance).addMetadata('cfn-lint', { config: { ignore_checks: ['E1152'] } });
    // Both rules read only a launch template (IMDSv2) and a top-level SubnetId (VPC); the node sets
    // MetadataOptions and its subnet on the instance's network interface, which they do not see.
    suppressNag(instance, [
      {
        id: 'NIST.800.53.R5-EC2IMDSv2Enabled',
        reason: 'The instance itself requires IMDSv2 (MetadataOptions HttpTokens=required); the rule only looks for a launch template.',
      },
      ...inPacks(
        'EC2InstancesInVPC',
        'The instance is in an isolated database subnet of the VPC, given on its ' +
          'network interface (SubnetId there); the rule only reads a top-level SubnetId.',
      ),
    ]);

    const volume = new ec2.CfnVolume(scope, 'Data', {
      availabilityZone: at.subnet.availabilityZone,
      volumeType: 'gp3',
      size: props.volume.sizeGiB,
      iops: props.volume.iops ?? GP3.minIops,
      throughput: props.volume.throughputMiBps ?? GP3.minThroughputMiBps,
      encrypted: true,
      kmsKeyId: this.key.keyArn,
      autoEnableIo: D.autoEnableIo,
    });
    volume.applyRemovalPolicy(RemovalPolicy.RETAIN);
    suppressNag(volume, [
      {
        id: 'NIST.800.53.R5-EC2EBSInBackupPlan',
        reason:
          'The data volume is backed up by a Data Lifecycle Manager policy selecting it by tag (CrossRegionSnapshotCopy: interval, ' +
          'retention, copies to the flavor regions only), which the rule does not know; AWS Backup would copy nothing the policy does not.',
      },
    ]);
    Tags.of(volume).add(DB_TAGS.role, DB_DATA_ROLE);

    const attachment = new ec2.CfnVolumeAttachment(scope, 'DataAttachment', {
      instanceId: instance.instanceId,
      volumeId: volume.ref,
      device: DB_DATA_DEVICE,
    });
    Tags.of(scope).add(DB_TAGS.node, String(at.index));
    return { index: at.index, instance, volume, attachment };
  }
}

function toPort(range: PortRange): ec2.Port {
  return range.from === range.to ? ec2.Port.tcp(range.from) : ec2.Port.tcpRange(range.from, range.to);
}

/** The prop value a validation problem's path names (`volume.iops`), to skip problems about tokens. */
function valueAt(props: DbNodeFleetProps, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], props);
}
