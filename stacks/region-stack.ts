import { Annotations, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { snapshotCopyDestinations } from '../lib/backup/copy-destinations';
import { CrossRegionSnapshotCopy } from '../lib/backup/cross-region-snapshot-copy';
import { DbNodeFleet } from '../lib/database/db-node-fleet';
import { ManagedDatabase } from '../lib/database/managed-database';
import { Problems } from '../lib/problems';
import { MysqlEndpoint } from '../lib/database/mysql-endpoint';
import { regionalEndpointName } from '../lib/failover/endpoint-names';
import { RegionalEndpoint, type EndpointTarget } from '../lib/failover/regional-endpoint';
import { FlavorsError } from '../lib/errors';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor, RegionRole } from '../lib/flavor/types';
import { FlavorKey } from '../lib/keys/flavor-key';
import { RegionalVpc } from '../lib/network/regional-vpc';
import { PinnedAzStack } from '../lib/network/pinned-az-stack';
import type { DnsZoneConfig } from './flavor-dns-stack';

/** Builds what a team serves a flavor region from, inside that region's stack (see FlavorStageProps.endpoints). */
export type EndpointFactory = (scope: RegionStack) => EndpointTarget;

export interface RegionStackProps extends StackProps {
  readonly flavor: Flavor;
  readonly role: RegionRole;
  /** The stack of the flavor's primary region; required in a fallback region (its key and RDS primaries are replicated here). */
  readonly primary?: RegionStack;
  /** Zone of the flavor endpoints: the regional endpoint and database endpoint records go there. @default no records */
  readonly dns?: DnsZoneConfig;
  /** The team's load balancer or API Gateway domain of this region. @default none (a warning when `dns` is set) */
  readonly endpoint?: EndpointFactory;
}

/** One flavor region: network, the flavor key (primary or replica), databases and their snapshot policy. Wiring only. */
export class RegionStack extends PinnedAzStack {
  readonly flavor: Flavor;
  readonly role: RegionRole;
  readonly network: RegionalVpc;
  /** The flavor key of this region: the multi-Region primary, or its replica in a fallback region. */
  readonly key: FlavorKey;
  /** `ec2` databases of the flavor, keyed by name: the live cluster in the primary region, warm standbys elsewhere. */
  readonly fleets: ReadonlyMap<string, DbNodeFleet>;
  /** `rds` databases of the flavor, keyed by name: primaries in the primary region, cross-region read replicas elsewhere. */
  readonly managedDatabases: ReadonlyMap<string, ManagedDatabase>;
  /** DLM snapshots of the fleets' data volumes, copied only to the flavor's regions; absent without `ec2` databases. */
  readonly snapshots?: CrossRegionSnapshotCopy;
  /** `<region>.<flavor>.<zone>` aliased to the team's endpoint; absent without `dns` or `endpoint`. */
  readonly endpoint?: RegionalEndpoint;
  /** The NLB (3306 and 33060) of each `mysql` fleet, keyed by database name. */
  readonly mysqlEndpoints: ReadonlyMap<string, MysqlEndpoint>;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    // Stack tags: CloudFormation propagates them to every resource that supports tags.
    super(scope, id, {
      terminationProtection: true,
      // A fallback stack reads the primary key's and RDS primaries' ARNs from the primary region's stack.
      crossRegionReferences: true,
      ...props,
      tags: { ...props.tags, 'flavors:flavor': props.flavor.name, 'flavors:region-role': props.role },
    });
    this.flavor = props.flavor;
    this.role = props.role;
    if (props.role === 'fallback' && !props.primary) {
      const problems = new Problems();
      problems.error(
        'primary',
        'REGION_STACK_PRIMARY_MISSING',
        "a fallback region stack needs the primary region's stack (props.primary) to replicate its key and databases.",
      );
      problems.throwIfAny(this.node.path);
    }
    this.key = new FlavorKey(this, 'Key', {
      flavor: props.flavor,
      primaryKeyArn: props.primary?.key.keyArn,
      dlmRoleArns: [CrossRegionSnapshotCopy.roleArnPattern(this, props.flavor.name)],
    });
    // The flow logs stay in the flavor and under its key, like the data they describe.
    this.network = new RegionalVpc(this, 'Network', { flowLogKey: this.key.key });
    this.fleets = this.addFleets();
    if (this.fleets.size > 0) {
      this.snapshots = new CrossRegionSnapshotCopy(this, 'Snapshots', {
        flavorName: props.flavor.name,
        intervalHours: props.flavor.backup.intervalHours,
        retain: props.flavor.backup.retain,
        copyTargets: snapshotCopyDestinations(props.flavor, this.region).map((region) => ({ region, encryptionKeyArn: this.key.arnIn(region) })),
        sourceEncryptionKeyArn: this.key.keyArn,
        allowedRegions: flavorRegions(props.flavor),
      });
    }
    this.managedDatabases = this.addManagedDatabases(props.primary);
    if (props.endpoint && !props.dns) {
      throw new FlavorsError(
        'REGION_STACK_ENDPOINT_WITHOUT_DNS',
        `${this.node.path}: an endpoint needs the flavor zone (props.dns) for its record <region>.<flavor>.<zone>.`,
      );
    }
    const zone = props.dns ? route53.HostedZone.fromHostedZoneAttributes(this, 'FlavorZone', props.dns) : undefined;
    this.mysqlEndpoints = this.addMysqlEndpoints(zone);
    if (zone && props.endpoint) {
      this.endpoint = new RegionalEndpoint(this, 'Endpoint', { ...props.endpoint(this), flavorName: this.flavor.name, zone });
    } else if (zone) {
      Annotations.of(this).addWarningV2(
        'flavors:endpoint:missing',
        `${this.flavor.name} has no endpoint in ${this.region}: nothing ` +
          `creates ${regionalEndpointName(this.flavor.name, this.region, zone.zoneName)}, ` +
          'so the RegionalFailover health check probing it fails and DNS failover has no healthy ' +
          "region here. Attach the region's ALB, NLB or API Gateway domain with FlavorStage `endpoints`.",
      );
    }
  }

  private addMysqlEndpoints(zone: route53.IHostedZone | undefined): Map<string, MysqlEndpoint> {
    const endpoints = new Map<string, MysqlEndpoint>();
    for (const [name, fleet] of this.fleets) {
      if (fleet.engine !== 'mysql') continue;
      endpoints.set(
        name,
        new MysqlEndpoint(this, `${name}Endpoint`, {
          fleet,
          vpc: this.network.vpc,
          vpcSubnets: this.network.databaseSubnets,
          clientCidr: this.network.cidr,
          zone,
          flavorName: this.flavor.name,
          databaseName: name,
        }),
      );
    }
    return endpoints;
  }

  private addFleets(): Map<string, DbNodeFleet> {
    const fleets = new Map<string, DbNodeFleet>();
    for (const [name, db] of Object.entries(this.flavor.databases)) {
      if (db.platform !== 'ec2') continue;
      fleets.set(
        name,
        new DbNodeFleet(this, name, {
          vpc: this.network.vpc,
          vpcSubnets: this.network.databaseSubnets,
          clientCidr: this.network.cidr,
          engine: db.engine,
          instanceType: db.instanceType,
          nodes: db.nodes,
          volume: db.volume,
          key: this.key.key,
          role: this.role,
          flavorName: this.flavor.name,
          databaseName: name,
        }),
      );
    }
    return fleets;
  }

  // `k8s` databases are not CloudFormation: lib/k8s emits their manifests.
  private addManagedDatabases(primary: RegionStack | undefined): Map<string, ManagedDatabase> {
    const databases = new Map<string, ManagedDatabase>();
    for (const [name, db] of Object.entries(this.flavor.databases)) {
      if (db.platform !== 'rds') continue;
      const source = primary?.managedDatabases.get(name);
      databases.set(
        name,
        new ManagedDatabase(this, name, {
          vpc: this.network.vpc,
          vpcSubnets: this.network.databaseSubnets,
          clientCidr: this.network.cidr,
          engine: db.engine,
          instanceType: db.instanceType,
          storageGiB: db.storageGiB,
          key: this.key.key,
          replicaOf: source ? { instanceArn: source.instanceArn, region: primary!.region } : undefined,
          flavorName: this.flavor.name,
          databaseName: name,
        }),
      );
    }
    return databases;
  }
}
