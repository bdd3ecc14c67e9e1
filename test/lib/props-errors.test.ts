// The validation branches whose tests pinned only a code or a fragment: here each one's whole
// message, as a user sees it (`<construct path>: <prop>: <CODE>: <what to do>`). The construct files'
// own tests keep the rest.
import * as path from 'path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { DbNodeFleet } from '../../lib/database/db-node-fleet';
import { ManagedDatabase } from '../../lib/database/managed-database';
import { PropsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { FlavorKey } from '../../lib/keys/flavor-key';
import { GlobalLookupTable } from '../../lib/lookup/global-lookup-table';
import { LookupService } from '../../lib/lookup/lookup-service';
import { PinnedAzStack } from '../../lib/network/pinned-az-stack';
import { RegionalVpc } from '../../lib/network/regional-vpc';
import { ControlPlaneStage } from '../../stacks/control-plane-stage';
import { testApp } from '../helpers/cdk-app';

const FLAVORS = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));
const IDENTITY = { issuer: 'https://login.example.com/', jwksUrl: 'https://login.example.com/.well-known/jwks.json', audience: 'flavors-lookup' };
const US_AUSTRALIA = { name: 'us-australia', primaryRegion: 'us-east-1', fallbackRegions: ['ap-southeast-2'] };

// One app and VPC for the database constructs: every case below throws before adding anything.
const app = testApp();
const stack = new PinnedAzStack(app, 'S', { env: { account: '333333333333', region: 'us-east-1' } });
const vpc = new RegionalVpc(stack, 'Net').vpc;
const rds = { vpc, engine: 'postgres' as const, instanceType: 'db.r5.large', storageGiB: 100 };
const fleet = { vpc, engine: 'postgres' as const, instanceType: 'r5.large', nodes: 1, volume: { sizeGiB: 100 } };
const REPLICA_SOURCE = { instanceArn: 'arn:aws:rds:ap-southeast-2:333333333333:db:x', region: 'ap-southeast-2' };

function lookupService(region: string | undefined, recordName?: string): LookupService {
  const s = new Stack(testApp(), 'Service', region ? { env: { account: '444444444444', region } } : {});
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'flavors.example.com' });
  return new LookupService(s, 'LookupService', { tableKey: new kms.Key(s, 'K'), hostedZone, flavors: FLAVORS, identity: IDENTITY, recordName });
}

describe('exact messages of validation branches', () => {
  test.each<[string, () => unknown, string, string]>([
    [
      'ManagedDatabase: an engine RDS does not run',
      () => new ManagedDatabase(stack, 'A', { ...rds, engine: 'couchbase' as never }),
      'FLAVOR_DB_ENGINE_UNSUPPORTED',
      "ManagedDatabase S/A: engine: FLAVOR_DB_ENGINE_UNSUPPORTED: engine 'couchbase' is not available on rds; use postgres or mysql.",
    ],
    [
      'ManagedDatabase: backups replicated to no region',
      () => new ManagedDatabase(stack, 'B', { ...rds, backupReplication: { region: 'mars-1', keyArn: 'x' } }),
      'RDS_REGION_UNKNOWN',
      "ManagedDatabase S/B: backupReplication.region: RDS_REGION_UNKNOWN: 'mars-1' is not an AWS commercial region.",
    ],
    [
      'ManagedDatabase: a replica replicating backups',
      () => new ManagedDatabase(stack, 'C', { ...rds, replicaOf: REPLICA_SOURCE, backupReplication: { region: 'ap-southeast-2', keyArn: 'x' } }),
      'RDS_REPLICA_BACKUP_REPLICATION',
      'ManagedDatabase S/C: backupReplication: RDS_REPLICA_BACKUP_REPLICATION: a read replica ' +
        'does not replicate automated backups; set backupReplication on the primary only.',
    ],
    [
      'ManagedDatabase: 36 days of backups',
      () => new ManagedDatabase(stack, 'D', { ...rds, backupRetention: Duration.days(36) }),
      'RDS_BACKUP_RETENTION_INVALID',
      'ManagedDatabase S/D: backupRetention: RDS_BACKUP_RETENTION_INVALID: backupRetention must be from 1 to 35 days, got 36.',
    ],
    [
      'DbNodeFleet: a role that is neither primary nor fallback',
      () => new DbNodeFleet(stack, 'E', { ...fleet, role: 'standby' as never }),
      'FLEET_ROLE_INVALID',
      "DbNodeFleet S/E: role: FLEET_ROLE_INVALID: role 'standby' must be 'primary' (live cluster) or 'fallback' (warm standby).",
    ],
    [
      'DbNodeFleet: a node count only known at deploy time',
      () => new DbNodeFleet(stack, 'F', { ...fleet, nodes: Token.asNumber({ Ref: 'N' }) }),
      'FLEET_NODES_UNRESOLVED',
      'DbNodeFleet S/F: nodes: FLEET_NODES_UNRESOLVED: nodes must be a number known at synth time (one instance and volume per node), not a token.',
    ],
    [
      'FlavorKey: a region-agnostic stack',
      () => new FlavorKey(new Stack(testApp(), 'Agnostic'), 'Key', { flavor: US_AUSTRALIA }),
      'KEY_REGION_UNRESOLVED',
      "FlavorKey Agnostic/Key: region: KEY_REGION_UNRESOLVED: the stack has no explicit region; give it an env with one of the flavor's regions.",
    ],
    [
      'GlobalLookupTable: a region-agnostic stack',
      () => new GlobalLookupTable(new Stack(testApp(), 'Agnostic'), 'LookupTable'),
      'LOOKUP_TABLE_INVALID',
      'GlobalLookupTable Agnostic/LookupTable: LOOKUP_TABLE_INVALID: the stack needs ' +
        'an explicit env region: replica keys and residency are checked per region',
    ],
    [
      'LookupService: a region-agnostic stack',
      () => lookupService(undefined),
      'LOOKUP_SERVICE_INVALID',
      'LookupService Service/LookupService: LOOKUP_SERVICE_INVALID: the stack needs an explicit env region: the latency record is keyed by it',
    ],
    [
      'LookupService: a record name of two labels',
      () => lookupService('eu-central-1', 'Lookup.Api'),
      'LOOKUP_SERVICE_INVALID',
      "LookupService Service/LookupService: recordName: LOOKUP_SERVICE_INVALID: recordName must be one DNS label (a-z, 0-9, '-'), got 'Lookup.Api'",
    ],
    [
      'PinnedAzStack: a region outside the catalog',
      () => new PinnedAzStack(testApp(), 'X', { env: { account: '123456789012', region: 'eu-belgium-1' } }),
      'STACK_REGION_REQUIRED',
      'X: env.region: STACK_REGION_REQUIRED: give the stack an explicit env with a catalog ' +
        "region (got 'eu-belgium-1'); availability zones are pinned from the region catalog.",
    ],
    [
      'PinnedAzStack: a region-agnostic stack',
      () => new PinnedAzStack(testApp(), 'Y'),
      'STACK_REGION_REQUIRED',
      'Y: env.region: STACK_REGION_REQUIRED: give the stack an explicit env with a catalog ' +
        "region (got 'unresolved'); availability zones are pinned from the region catalog.",
    ],
    [
      'ControlPlaneStage: no regions',
      () =>
        new ControlPlaneStage(testApp(), {
          account: '444444444444',
          regions: [],
          zone: { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' },
          flavors: FLAVORS,
          identity: IDENTITY,
        }),
      'CONTROL_PLANE_INVALID',
      'ControlPlaneStage: regions: CONTROL_PLANE_INVALID: regions needs at least one region',
    ],
  ])('Given %s, When constructed, Then one PropsError says so exactly', (_name, construct, code, message) => {
    let thrown: unknown;
    try {
      construct();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PropsError);
    expect(thrown).toMatchObject({ code, message });
  });
});
