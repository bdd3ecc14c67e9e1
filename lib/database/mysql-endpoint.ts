import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { FlavorsError } from '../errors';
import { databaseEndpointName } from '../failover/endpoint-names';
import { FLAVOR_NAME } from '../flavor/validate';
import { inPacks, suppressNag } from '../nag-suppressions';
import type { DbNodeFleet } from './db-node-fleet';
import { MYSQL_ENDPOINT_DEFAULTS as D } from './defaults';
import { selectDatabaseSubnets } from './subnets';

const NO_ACCESS_LOGS =
  'NLB access logs record TLS listeners only; these listeners are TCP (MySQL negotiates TLS inside its own protocol, ' +
  'so the balancer cannot terminate it) and would log nothing. The VPC flow logs record every connection.';

const TLS_IN_PROTOCOL =
  'MySQL clients start in plain text and upgrade to TLS inside the protocol (classic SSL request, X Protocol capability), ' +
  'which a TLS listener would break; the servers hold the certificates and require TLS (require_secure_transport=ON).';

export interface MysqlEndpointProps {
  /** The `mysql` fleet the load balancer sends connections to. */
  readonly fleet: DbNodeFleet;
  /** The fleet's VPC. */
  readonly vpc: ec2.IVpc;
  /** Where the load balancer's nodes run. @default the VPC's isolated subnets (a `RegionalVpc`'s `Database` group) */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The only network allowed to connect (classic and X Protocol). @default the VPC's CIDR block */
  readonly clientCidr?: string;
  /**
   * `primary`: node 0, the writer, is the only target. `all-nodes`: every node, for read-only
   * clients (the replicas refuse writes).
   * @default 'primary'
   */
  readonly targets?: 'primary' | 'all-nodes';
  /** Zone of the flavor endpoints; with it the record `<db>.<region>.<flavor>.<zone>` aliases the load balancer. @default no record */
  readonly zone?: route53.IHostedZone;
  /** Flavor name, for the record. Required with `zone`. */
  readonly flavorName?: string;
  /** Database name, for the record. @default the construct id */
  readonly databaseName?: string;
}

/**
 * MySQL's classic protocol (3306) and X Protocol (33060) behind one internal Network Load Balancer:
 * a TCP listener per port, each with an instance target group checked over TCP, a security group
 * admitting only `clientCidr`, deletion protection, and with a zone the alias record
 * `<db>.<region>.<flavor>.<zone>`. The X Protocol is protobuf over TCP: an HTTP proxy cannot carry
 * it, so this is a layer-4 balancer with client addresses preserved.
 */
export class MysqlEndpoint extends Construct {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  /** Target groups keyed by protocol: `classic` (3306) and `x` (33060). */
  readonly targetGroups: { readonly classic: elbv2.NetworkTargetGroup; readonly x: elbv2.NetworkTargetGroup };
  /** `<db>.<region>.<flavor>.<zone>`; undefined without `zone`. */
  readonly recordName?: string;
  readonly record?: route53.ARecord;

  constructor(scope: Construct, id: string, props: MysqlEndpointProps) {
    super(scope, id);
    const databaseName = props.databaseName ?? id;
    this.validate(props);
    const clientCidr = props.clientCidr ?? props.vpc.vpcCidrBlock;
    const subnets = selectDatabaseSubnets(this, 'MysqlEndpoint', props.vpc, props.vpcSubnets);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `flavors ${this.node.path}: MySQL classic and X Protocol from ${Token.isUnresolved(clientCidr) ? 'the VPC' : clientCidr} only`,
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnets },
      internetFacing: false,
      securityGroups: [this.securityGroup],
      deletionProtection: D.deletionProtection,
      crossZoneEnabled: D.crossZoneEnabled,
    });
    suppressNag(this.loadBalancer, [{ id: 'AwsSolutions-ELB2', reason: NO_ACCESS_LOGS }, ...inPacks('ELBLoggingEnabled', NO_ACCESS_LOGS)]);

    const nodes = (props.targets ?? D.targets) === 'primary' ? [props.fleet.instances[0]] : [...props.fleet.instances];
    const group = (name: 'Classic' | 'X', port: number) => {
      this.securityGroup.addIngressRule(
        ec2.Peer.ipv4(clientCidr),
        ec2.Port.tcp(port),
        `MySQL ${name === 'X' ? 'X Protocol' : 'classic protocol'} clients`,
      );
      // Health checks and forwarded connections leave the balancer towards the nodes.
      this.securityGroup.connections.allowTo(props.fleet.securityGroup, ec2.Port.tcp(port), `MySQL ${name} to the nodes`);
      const targetGroup = new elbv2.NetworkTargetGroup(this, `${name}Targets`, {
        vpc: props.vpc,
        port,
        protocol: elbv2.Protocol.TCP,
        targetType: elbv2.TargetType.INSTANCE,
        targets: nodes.map((instance) => new elbv2targets.InstanceTarget(instance, port)),
        deregistrationDelay: Duration.seconds(D.deregistrationDelaySeconds),
        preserveClientIp: true,
        healthCheck: {
          protocol: elbv2.Protocol.TCP,
          interval: Duration.seconds(D.healthCheckIntervalSeconds),
          healthyThresholdCount: D.healthyThreshold,
          unhealthyThresholdCount: D.unhealthyThreshold,
        },
      });
      const listener = this.loadBalancer.addListener(`${name}Listener`, { port, protocol: elbv2.Protocol.TCP, defaultTargetGroups: [targetGroup] });
      suppressNag(listener, inPacks('ELBv2ACMCertificateRequired', TLS_IN_PROTOCOL));
      return targetGroup;
    };
    this.targetGroups = { classic: group('Classic', D.ports.classic), x: group('X', D.ports.x) };

    if (props.zone) {
      this.recordName = databaseEndpointName(databaseName, props.flavorName!, Stack.of(this).region, props.zone.zoneName);
      this.record = new route53.ARecord(this, 'Record', {
        zone: props.zone,
        recordName: `${this.recordName}.`,
        target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer)),
      });
    }
  }

  private validate(props: MysqlEndpointProps): void {
    const problems: string[] = [];
    if (props.fleet.engine !== 'mysql')
      problems.push(`fleet: engine '${props.fleet.engine}' has no X Protocol; MysqlEndpoint fronts 'mysql' fleets only.`);
    if (props.targets !== undefined && props.targets !== 'primary' && props.targets !== 'all-nodes') {
      problems.push(`targets: '${String(props.targets)}' must be 'primary' (the writer) or 'all-nodes' (read-only clients).`);
    }
    if (props.zone && (props.flavorName === undefined || !FLAVOR_NAME.test(props.flavorName))) {
      problems.push(
        `flavorName: '${String(props.flavorName)}' must be a kebab-case flavor ` +
          `name when zone is given (the record is <db>.<region>.<flavor>.<zone>).`,
      );
    }
    if (props.zone && Token.isUnresolved(Stack.of(this).region)) problems.push('the stack needs an explicit region: it is part of the record name.');
    if (problems.length > 0)
      throw new FlavorsError(
        'MYSQL_ENDPOINT_INVALID',
        `MysqlEndpoint ${this.node.path}: invalid props:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      );
  }
}
