import type { StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { Flavor } from '../lib/flavor/types';
import { GlobalLookupTable } from '../lib/lookup/global-lookup-table';
import { LookupService, type LookupIdentityProvider } from '../lib/lookup/lookup-service';
import { LookupTableKey } from '../lib/lookup/lookup-table-key';
import { PinnedAzStack } from '../lib/network/pinned-az-stack';

/** The public hosted zone of the service name (imported by id: no lookup at synth). */
export interface ControlPlaneZone {
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

export interface ControlPlaneStackProps extends StackProps {
  /** Replica regions of the table when this stack holds it (the table's home region); empty elsewhere. */
  readonly tableReplicaRegions?: readonly string[];
  /** True in the table's home region: this stack creates the global table. */
  readonly holdsTable: boolean;
  readonly zone: ControlPlaneZone;
  /** Flavors the service routes to. */
  readonly flavors: readonly Flavor[];
  /** The identity provider of the service's callers. */
  readonly identity: LookupIdentityProvider;
  /** DNS zone of the flavor endpoints. @default the control plane's zone name */
  readonly endpointZone?: string;
  /** @default 'flavors-lookup' */
  readonly tableName?: string;
}

/**
 * One control-plane region (`control-plane-<region>`): the table's key in this region, the lookup
 * service, and — in the table's home region — the global table itself. Wiring only.
 */
export class ControlPlaneStack extends PinnedAzStack {
  readonly tableKey: LookupTableKey;
  readonly service: LookupService;
  /** Only in the table's home region. */
  readonly table?: GlobalLookupTable;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    // Keys and (in the home region) the table live here: no accidental `cdk destroy`.
    super(scope, id, { terminationProtection: true, ...props });
    this.tableKey = new LookupTableKey(this, 'TableKey');
    if (props.holdsTable) {
      this.table = new GlobalLookupTable(this, 'LookupTable', {
        tableName: props.tableName,
        encryptionKey: this.tableKey.key,
        replicaRegions: props.tableReplicaRegions,
      });
    }
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', props.zone);
    this.service = new LookupService(this, 'LookupService', {
      tableName: props.tableName,
      tableKey: this.tableKey.key,
      hostedZone,
      flavors: props.flavors,
      identity: props.identity,
      endpointZone: props.endpointZone,
    });
  }
}
