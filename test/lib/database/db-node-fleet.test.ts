import { Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DbNodeFleet, type DbNodeFleetProps } from '../../../lib/database/db-node-fleet';
import { PropsError } from '../../../lib/errors';
import { RegionalVpc } from '../../../lib/network/regional-vpc';
import { PinnedAzStack } from '../../../lib/network/pinned-az-stack';
import { testApp } from '../../helpers/cdk-app';

/**
 * A stack with a VPC for a fleet: the project's RegionalVpc (`regional`, as RegionStack builds it), or
 * only the isolated `Database` subnets a fleet uses, in the same three zones, for tests of the fleet's
 * own props (the fleet reads nothing else of its VPC; the endpoints and flow logs of a RegionalVpc
 * double the cost of each synth).
 */
function setup(vpcKind: 'regional' | 'subnets' = 'subnets'): { stack: Stack; network: { vpc: ec2.IVpc } } {
  const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
  if (vpcKind === 'regional') return { stack, network: new RegionalVpc(stack, 'Net') };
  const vpc = new ec2.Vpc(stack, 'Net', {
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  return { stack, network: { vpc } };
}

function fleet(
  props: Partial<DbNodeFleetProps> = {},
  vpcKind: 'regional' | 'subnets' = 'subnets',
): { stack: Stack; fleet: DbNodeFleet; template: Template } {
  const { stack, network } = setup(vpcKind);
  const f = new DbNodeFleet(stack, 'Ledger', {
    vpc: network.vpc,
    engine: 'postgres',
    instanceType: 'r5.large',
    nodes: 3,
    volume: { sizeGiB: 100 },
    ...props,
  });
  // Synthesized on first read: a test that reads only annotations synthesizes once, in Annotations.fromStack.
  let template: Template | undefined;
  return {
    stack,
    fleet: f,
    get template() {
      return (template ??= Template.fromStack(stack));
    },
  };
}

function problemsOf(props: Partial<DbNodeFleetProps>): PropsError {
  try {
    void fleet(props).template;
  } catch (err) {
    if (err instanceof PropsError) return err;
    throw err;
  }
  throw new Error('expected a PropsError');
}

const userDataOf = (template: Template, index: number): string => {
  const instances = template.findResources('AWS::EC2::Instance', {
    Properties: { Tags: Match.arrayWith([{ Key: 'flavors:node', Value: String(index) }]) },
  });
  return JSON.stringify(Object.values(instances)[0].Properties.UserData);
};

describe('DbNodeFleet', () => {
  describe('the example from the issue, with the defaults', () => {
    const { stack, fleet: f, template } = fleet({}, 'regional');

    test('one R5 instance, one data volume and one attachment per node, spread over the zones', () => {
      template.resourceCountIs('AWS::EC2::Instance', 3);
      template.resourceCountIs('AWS::EC2::Volume', 3);
      template.resourceCountIs('AWS::EC2::VolumeAttachment', 3);
      const zones = Object.values(template.findResources('AWS::EC2::Instance')).map((r) => r.Properties.AvailabilityZone);
      expect(zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
      template.allResourcesProperties('AWS::EC2::Instance', { InstanceType: 'r5.large' });
    });

    test('nodes run in the isolated database subnets without a public address or key pair', () => {
      template.allResourcesProperties('AWS::EC2::Instance', {
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, SubnetId: { Ref: Match.stringLikeRegexp('^NetDatabaseSubnet') } })],
        KeyName: Match.absent(),
      });
    });

    test('IMDSv2 is required, monitoring detailed, termination protected, root volume encrypted with the key', () => {
      template.allResourcesProperties('AWS::EC2::Instance', {
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
        Monitoring: true,
        DisableApiTermination: true,
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: Match.objectLike({ Encrypted: true, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LedgerKey'), 'Arn'] }, VolumeType: 'gp3' }),
          },
        ],
      });
    });

    test('the image is Amazon Linux 2023, resolved by EC2 at launch (no lookup, no replacement on a new AMI)', () => {
      template.allResourcesProperties('AWS::EC2::Instance', {
        ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      });
      expect(Object.keys(template.toJSON().Parameters ?? {}).filter((p) => p !== 'BootstrapVersion')).toEqual([]);
    });

    test("data volumes are gp3, encrypted with the key, retained, in their node's zone", () => {
      template.allResources('AWS::EC2::Volume', {
        Properties: Match.objectLike({
          VolumeType: 'gp3',
          Size: 100,
          Iops: 3000,
          Throughput: 125,
          Encrypted: true,
          AutoEnableIO: false,
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LedgerKey'), 'Arn'] },
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      const zones = Object.values(template.findResources('AWS::EC2::Volume')).map((r) => r.Properties.AvailabilityZone);
      expect(zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    });

    test('data volumes carry the tags snapshot policies and ops tools select by', () => {
      template.hasResourceProperties('AWS::EC2::Volume', {
        Tags: Match.arrayWith([
          { Key: 'flavors:database', Value: 'Ledger' },
          { Key: 'flavors:node', Value: '1' },
          { Key: 'flavors:region-role', Value: 'primary' },
          { Key: 'flavors:role', Value: 'db-data' },
        ]),
      });
      template.allResourcesProperties('AWS::EC2::Instance', { Tags: Match.not(Match.arrayWith([{ Key: 'flavors:role', Value: 'db-data' }])) });
    });

    test('each volume is attached to its own node at /dev/sdf', () => {
      const attachments = Object.values(template.findResources('AWS::EC2::VolumeAttachment')).map((r) => r.Properties);
      expect(attachments.map((a) => a.Device)).toEqual(['/dev/sdf', '/dev/sdf', '/dev/sdf']);
      expect(attachments.map((a) => [a.InstanceId.Ref.replace(/Instance.*/, ''), a.VolumeId.Ref.replace(/Data.*/, '')])).toEqual([
        ['LedgerNode0', 'LedgerNode0'],
        ['LedgerNode1', 'LedgerNode1'],
        ['LedgerNode2', 'LedgerNode2'],
      ]);
    });

    test('the security group admits the engine port from the VPC only', () => {
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'flavors S/Ledger: postgres from inside the VPC only',
        SecurityGroupIngress: [
          {
            CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Net'), 'CidrBlock'] },
            FromPort: 5432,
            ToPort: 5432,
            IpProtocol: 'tcp',
            Description: 'postgres clients in the VPC',
          },
        ],
      });
      expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('0.0.0.0/0');
    });

    test("the node role is least privilege: SSM core, read of this fleet's password, decrypt with the key", () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
      });
      const statements = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^LedgerRole') }] } }),
      )[0].Properties.PolicyDocument.Statement;
      expect(statements.map((s: { Action: string }) => s.Action)).toEqual(['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'kms:Decrypt']);
      expect(JSON.stringify(statements)).not.toContain('"*"');
    });

    test('the engine password is a generated secret, encrypted with the key and retained', () => {
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: Match.objectLike({
          Name: f.secretName,
          GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false },
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LedgerKey'), 'Arn'] },
        }),
        DeletionPolicy: 'Retain',
      });
      expect(f.secretName).toMatch(/^flavors\/S-Ledger-[0-9A-F]{8}\/credentials$/);
    });

    test('without a key, the fleet creates its own: rotation on, retained', () => {
      template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain' });
    });

    test('node 0 initialises the primary; the others clone it from its private address', () => {
      expect(userDataOf(template, 0)).toContain('postgresql-setup --initdb');
      const node0 = { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::EC2::Instance'))[0], 'PrivateIp'] };
      expect(node0['Fn::GetAtt'][0]).toMatch(/^LedgerNode0Instance/);
      for (const i of [1, 2]) {
        const standby = JSON.parse(userDataOf(template, i));
        expect(JSON.stringify(standby)).toContain(`-S node_${i}`);
        expect(standby['Fn::Base64']['Fn::Join'][1]).toContainEqual(node0);
      }
      expect(JSON.parse(userDataOf(template, 0))['Fn::Base64']['Fn::Join'][1]).not.toContainEqual(node0);
      expect(stack.resolve(f.primaryAddress)).toEqual(node0);
    });

    test('exposes its parts as readonly properties', () => {
      expect(f.instances).toHaveLength(3);
      expect(f.volumes).toHaveLength(3);
      expect(f.nodes.map((n) => n.index)).toEqual([0, 1, 2]);
      expect(f.connections.defaultPort?.toString()).toBe('5432');
      expect(f.regionRole).toBe('primary');
    });
  });

  test("the same works with any VPC, e.g. a team's own with isolated subnets", () => {
    const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'eu-central-1' } });
    const vpc = new ec2.Vpc(stack, 'Own', {
      availabilityZones: ['eu-central-1a', 'eu-central-1b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new DbNodeFleet(stack, 'Orders', {
      vpc,
      engine: 'mysql',
      instanceType: 'r5b.2xlarge',
      nodes: 2,
      volume: { sizeGiB: 500, iops: 6000, throughputMiBps: 250 },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::Instance', 2);
    template.allResourcesProperties('AWS::EC2::Volume', { Iops: 6000, Throughput: 250, Size: 500 });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ FromPort: 3306, ToPort: 3306 }), Match.objectLike({ FromPort: 33060, ToPort: 33060 })],
    });
  });

  test('a passed key encrypts volumes, root volumes and the secret; no key of its own is created', () => {
    const { stack, network } = setup();
    const key = new kms.Key(stack, 'FlavorKey', { enableKeyRotation: true });
    new DbNodeFleet(stack, 'Ledger', { vpc: network.vpc, engine: 'postgres', instanceType: 'r5.large', nodes: 1, volume: { sizeGiB: 10 }, key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.allResourcesProperties('AWS::EC2::Volume', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlavorKey'), 'Arn'] } });
  });

  test('a literal client CIDR reaches the security group and pg_hba', () => {
    const { template } = fleet({ clientCidr: '10.0.0.0/16', nodes: 1 });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 5432 })],
    });
    expect(userDataOf(template, 0)).toContain('host all all 10.0.0.0/16 scram-sha-256');
  });

  test('a fallback fleet is a warm standby: tagged fallback, engine installed, no cluster started', () => {
    const { template } = fleet({ role: 'fallback' });
    template.allResourcesProperties('AWS::EC2::Volume', { Tags: Match.arrayWith([{ Key: 'flavors:region-role', Value: 'fallback' }]) });
    for (const i of [0, 1, 2]) {
      expect(userDataOf(template, i)).toContain('dnf install -y postgresql16-server');
      expect(userDataOf(template, i)).not.toContain('systemctl enable --now postgresql');
    }
  });

  test('an existing secret is read, not created', () => {
    const { template } = fleet({ credentialsSecretName: 'teams/ledger/pg' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            Resource: 'arn:aws:secretsmanager:us-east-1:333333333333:secret:teams/ledger/pg-??????',
          }),
        ]),
      },
    });
    expect(userDataOf(template, 0)).toContain('/aws/reference/secretsmanager/teams/ledger/pg');
  });

  test('couchbase: client ports from the VPC, cluster ports between nodes only, and a warning about its repository', () => {
    const { fleet: f, template } = fleet({ engine: 'couchbase' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ FromPort: 8091, ToPort: 8097, CidrIp: Match.anyValue() })]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 21100, ToPort: 21100, SourceSecurityGroupId: Match.anyValue() });
    Annotations.fromStack(Stack.of(f)).hasWarning('/S/Ledger', Match.stringLikeRegexp('packages.couchbase.com'));
  });

  test('a VPC without isolated subnets needs vpcSubnets', () => {
    const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1',
      vpcCidrBlock: '10.1.0.0/16',
      availabilityZones: ['us-east-1a'],
      privateSubnetIds: ['subnet-1'],
    });
    const props = { vpc, engine: 'postgres' as const, instanceType: 'r5.large', nodes: 1, volume: { sizeGiB: 10 } };
    expect(() => new DbNodeFleet(stack, 'Ledger', props)).toThrow(
      'DbNodeFleet S/Ledger: vpcSubnets: DB_SUBNETS_NONE: the VPC has no isolated subnets; pass vpcSubnets naming the subnets the database may use.',
    );
    expect(() => new DbNodeFleet(stack, 'Other', { ...props, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } })).not.toThrow();
  });

  test('nodes in one zone only earn a warning', () => {
    const { stack, network } = setup();
    const f = new DbNodeFleet(stack, 'Ledger', {
      vpc: network.vpc,
      vpcSubnets: { subnetGroupName: 'Database', availabilityZones: ['us-east-1a'] },
      engine: 'postgres',
      instanceType: 'r5.large',
      nodes: 2,
      volume: { sizeGiB: 10 },
    });
    Annotations.fromStack(Stack.of(f)).hasWarning('/S/Ledger', Match.stringLikeRegexp('all 2 nodes are in us-east-1a'));
  });

  test('an R5 type without Nitro in-transit encryption earns a warning naming the r5n size; r5n and r5dn do not', () => {
    const { fleet: plain } = fleet({ instanceType: 'r5.2xlarge' });
    Annotations.fromStack(Stack.of(plain)).hasWarning(
      '/S/Ledger',
      Match.stringLikeRegexp('r5.2xlarge does not encrypt traffic between instances.*e.g. r5n.2xlarge'),
    );
    for (const instanceType of ['r5n.large', 'r5dn.xlarge']) {
      const { fleet: encrypted } = fleet({ instanceType });
      expect(Annotations.fromStack(Stack.of(encrypted)).findWarning('/S/Ledger', Match.stringLikeRegexp('in-transit|encrypt traffic'))).toEqual([]);
    }
  });

  describe("validation (the flavor model's rules, every problem at once)", () => {
    test.each(['m5.large', 'r6g.large', 'r5.huge', 'db.r5.large'])('instance type %s is refused', (instanceType) => {
      expect(problemsOf({ instanceType }).message).toBe(
        `DbNodeFleet S/Ledger: instanceType: FLAVOR_DB_INSTANCE_TYPE_INVALID: instanceType ` +
          `'${instanceType}' is not an R5 type; ec2 databases run on R5 (e.g. 'r5.xlarge', 'r5b.2xlarge').`,
      );
    });

    test.each(['r5.large', 'r5a.xlarge', 'r5b.2xlarge', 'r5d.4xlarge', 'r5n.12xlarge', 'r5dn.24xlarge', 'r5ad.metal'])(
      'instance type %s is accepted',
      (instanceType) => {
        expect(() => fleet({ instanceType, nodes: 1 }).template).not.toThrow();
      },
    );

    test.each([0, 16, 2.5])('nodes %s is refused', (nodes) => {
      expect(problemsOf({ nodes }).message).toBe(
        `DbNodeFleet S/Ledger: nodes: FLAVOR_DB_NODES_INVALID: nodes must be an integer from 1 to 15, got ${nodes}.`,
      );
    });

    test('volume size, IOPS and throughput out of gp3 bounds are all reported', () => {
      const err = problemsOf({ volume: { sizeGiB: 70000, iops: 100000, throughputMiBps: 3000 } });
      expect(err.problems.map((p) => `${p.path}: ${p.code}`)).toEqual([
        'volume.sizeGiB: FLAVOR_DB_VOLUME_SIZE_INVALID',
        'volume.iops: FLAVOR_DB_IOPS_OUT_OF_RANGE',
        'volume.throughputMiBps: FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE',
      ]);
    });

    test('IOPS beyond 500 per GiB are refused with the size they need', () => {
      expect(problemsOf({ volume: { sizeGiB: 10, iops: 6000 } }).message).toBe(
        'DbNodeFleet S/Ledger: volume.iops: FLAVOR_DB_IOPS_OUT_OF_RANGE: gp3 allows at most 500 IOPS per GiB: 6000 IOPS needs sizeGiB >= 12.',
      );
    });

    test('an unknown engine is refused', () => {
      expect(problemsOf({ engine: 'oracle' as never }).message).toBe(
        "DbNodeFleet S/Ledger: engine: FLAVOR_DB_ENGINE_UNSUPPORTED: engine 'oracle' is not available on ec2; use postgres or mysql or couchbase.",
      );
    });

    test('an unknown role is refused', () => {
      expect(problemsOf({ role: 'standby' as never }).code).toBe('FLEET_ROLE_INVALID');
    });

    test('values that are tokens are left to deploy time, except the node count', () => {
      expect(() => fleet({ volume: { sizeGiB: Token.asNumber({ Ref: 'Size' }) }, nodes: 1 }).template).not.toThrow();
      expect(problemsOf({ nodes: Token.asNumber({ Ref: 'Nodes' }) }).problems.map((p) => p.code)).toEqual(['FLEET_NODES_UNRESOLVED']);
    });

    test('several problems are reported together', () => {
      expect(problemsOf({ instanceType: 'm5.large', nodes: 0 }).problems.map((p) => p.code)).toEqual([
        'FLAVOR_DB_INSTANCE_TYPE_INVALID',
        'FLAVOR_DB_NODES_INVALID',
      ]);
    });
  });
});
