import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { regionInfo } from '../flavor/regions';
import { LOOKUP_TABLE_DEFAULTS } from './defaults';
import { LookupTableKey } from './lookup-table-key';
import { LOOKUP_TABLE_KEYS } from './runtime/schema-keys';

export interface GlobalLookupTableProps {
  /**
   * Physical table name, the same in every region (the service and the CLI address it by name).
   * @default 'flavors-lookup'
   */
  readonly tableName?: string;
  /**
   * Regions that hold a replica, besides the stack's own region (which holds the table).
   * @default none: a single-region table
   */
  readonly replicaRegions?: readonly string[];
  /**
   * Key that encrypts the table in the stack's region.
   * @default a new `LookupTableKey` (child `Key`)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Key (or key alias) ARN per replica region; each must be a key in that region, created before
   * the table (deploy a `LookupTableKey` there first).
   * @default the `LookupTableKey` alias (`alias/flavors/lookup-table`) in each replica region
   */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /**
   * Days of point-in-time recovery, 1 to 35.
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
}

/** What `GlobalLookupTable.fromTableAttributes` needs to reference the table from another stack. */
export interface GlobalLookupTableAttributes {
  /** @default 'flavors-lookup' */
  readonly tableName?: string;
  /** The key that encrypts the table in the importing stack's region; reads decrypt with it. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The global lookup table: a DynamoDB global table (TableV2, one CloudFormation resource for all
 * replicas) keyed by `LOOKUP_TABLE_KEYS` (`pk`/`sk`, index `byFlavor` on `gsi1pk`/`gsi1sk`). It
 * holds routing metadata only (opaque ids, flavor, home region, epoch, policy overrides, grants).
 * Guarantees: on-demand billing, point-in-time recovery, deletion protection, retained on stack
 * deletion, and a customer-managed key in every replica region (never a key of another region).
 */
export class GlobalLookupTable extends Construct {
  /**
   * The lookup table as another stack sees it, in that stack's region (a global table has the same
   * name in every replica region), for grants such as `grantReadData`. Readers need `kms:Decrypt`
   * on the table's key in that region: pass it as `encryptionKey` (e.g.
   * `kms.Key.fromKeyArn(this, 'LookupKey', arn)`; `LookupTableKey.aliasArnIn` names the alias).
   */
  static fromTableAttributes(scope: Construct, id: string, attrs: GlobalLookupTableAttributes): dynamodb.ITableV2 {
    return dynamodb.TableV2.fromTableAttributes(scope, id, {
      tableName: attrs.tableName ?? LOOKUP_TABLE_DEFAULTS.tableName,
      encryptionKey: attrs.encryptionKey,
      grantIndexPermissions: true,
    });
  }

  readonly table: dynamodb.TableV2;
  readonly tableName: string;
  /** Key of the table in the stack's region. */
  readonly encryptionKey: kms.IKey;
  /** Replica regions (not including the stack's region). */
  readonly replicaRegions: readonly string[];

  constructor(scope: Construct, id: string, props: GlobalLookupTableProps = {}) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.tableName = props.tableName ?? LOOKUP_TABLE_DEFAULTS.tableName;
    this.replicaRegions = [...(props.replicaRegions ?? [])];
    const replicaKeyArns = props.replicaKeyArns ?? Object.fromEntries(this.replicaRegions.map((r) => [r, LookupTableKey.aliasArnIn(this, r)]));
    const pitrDays = props.pointInTimeRecoveryDays ?? LOOKUP_TABLE_DEFAULTS.pointInTimeRecoveryDays;
    this.validate(region, replicaKeyArns, pitrDays);

    this.encryptionKey = props.encryptionKey ?? new LookupTableKey(this, 'Key').key;
    this.table = new dynamodb.TableV2(this, 'Resource', {
      tableName: this.tableName,
      partitionKey: { name: LOOKUP_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LOOKUP_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: LOOKUP_TABLE_KEYS.flavorIndex,
          partitionKey: { name: LOOKUP_TABLE_KEYS.flavorIndexPartitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: LOOKUP_TABLE_KEYS.flavorIndexSortKey, type: dynamodb.AttributeType.STRING },
          // Ops tools read epoch and home region of every space of a flavor from the index alone.
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: pitrDays },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.encryptionKey, { ...replicaKeyArns }),
      replicas: this.replicaRegions.map((r) => ({ region: r })),
    });
  }

  /**
   * Lets `grantee` read the table and its `byFlavor` index in this stack's region (GetItem,
   * BatchGetItem, Query, Scan, DescribeTable, streams) and decrypt with its key there.
   */
  grantReadData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  private validate(region: string, replicaKeyArns: Readonly<Record<string, string>>, pitrDays: number): void {
    const problems = new Problems();
    if (Token.isUnresolved(region)) {
      problems.error('', 'LOOKUP_TABLE_INVALID', 'the stack needs an explicit env region: replica keys and residency are checked per region');
    }
    const seen = new Set<string>();
    this.replicaRegions.forEach((r, i) => {
      if (!regionInfo(r))
        problems.error(`replicaRegions[${i}]`, 'LOOKUP_TABLE_INVALID', `replicaRegions[${i}] '${r}' is not a region of the catalog`);
      if (r === region)
        problems.error(
          `replicaRegions[${i}]`,
          'LOOKUP_TABLE_INVALID',
          `replicaRegions[${i}] '${r}' is the stack's own region; list only the other regions`,
        );
      if (seen.has(r)) problems.error(`replicaRegions[${i}]`, 'LOOKUP_TABLE_INVALID', `replicaRegions[${i}] '${r}' is listed twice`);
      seen.add(r);
    });
    for (const r of this.replicaRegions) {
      if (!(r in replicaKeyArns)) problems.error('replicaKeyArns', 'LOOKUP_TABLE_INVALID', `replicaKeyArns has no key for replica region '${r}'`);
    }
    for (const [r, arn] of Object.entries(replicaKeyArns)) {
      if (!seen.has(r))
        problems.error(
          `replicaKeyArns['${r}']`,
          'LOOKUP_TABLE_INVALID',
          `replicaKeyArns['${r}'] is not a replica region (${this.replicaRegions.join(', ') || 'none'})`,
        );
      else if (!Token.isUnresolved(arn)) {
        const keyRegion = /^arn:[a-z-]+:kms:([a-z0-9-]+):\d{12}:(key|alias)\/.+$/.exec(arn)?.[1];
        if (keyRegion !== r)
          problems.error(
            `replicaKeyArns['${r}']`,
            'LOOKUP_TABLE_INVALID',
            `replicaKeyArns['${r}'] must be a KMS key or alias ARN in ${r}, got '${arn}'`,
          );
      }
    }
    if (!Token.isUnresolved(pitrDays) && (!Number.isInteger(pitrDays) || pitrDays < 1 || pitrDays > 35)) {
      problems.error(
        'pointInTimeRecoveryDays',
        'LOOKUP_TABLE_INVALID',
        `pointInTimeRecoveryDays must be a whole number from 1 to 35, got ${pitrDays}`,
      );
    }
    problems.throwIfAny(`GlobalLookupTable ${this.node.path}`);
  }
}
