import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { addGrantGuard } from '../keys/grant-guard';
import { Problems } from '../problems';
import { LOOKUP_TABLE_DEFAULTS } from './defaults';

export interface LookupTableKeyProps {
  /**
   * Alias of the key in its region. The global table names each replica's key by this alias, so
   * it must be the same in every control-plane region.
   * @default 'alias/flavors/lookup-table'
   */
  readonly aliasName?: string;
}

/**
 * The customer-managed KMS key that encrypts the lookup table (or one of its replicas) in one
 * region: symmetric, yearly rotation, retained on stack deletion, with a fixed alias. Deploy one in
 * every control-plane region; the region holding the table passes it as its `encryptionKey`, the
 * others are found by `LookupTableKey.aliasArnIn(...)` without cross-region references.
 */
export class LookupTableKey extends Construct {
  /**
   * ARN of the key alias in `region` (same account and partition as `scope`'s stack), for
   * `GlobalLookupTable`'s `replicaKeyArns`. DynamoDB resolves an alias ARN to the key when it
   * creates the replica.
   */
  static aliasArnIn(scope: Construct, region: string, aliasName: string = LOOKUP_TABLE_DEFAULTS.keyAlias): string {
    return Stack.of(scope).formatArn({
      service: 'kms',
      region,
      resource: 'alias',
      resourceName: aliasName.replace(/^alias\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  readonly key: kms.Key;
  readonly alias: kms.Alias;

  constructor(scope: Construct, id: string, props: LookupTableKeyProps = {}) {
    super(scope, id);
    const aliasName = props.aliasName ?? LOOKUP_TABLE_DEFAULTS.keyAlias;
    const problems = new Problems();
    if (!Token.isUnresolved(aliasName) && !/^alias\/[A-Za-z0-9/_-]+$/.test(aliasName)) {
      problems.error(
        'aliasName',
        'LOOKUP_KEY_ALIAS_INVALID',
        `aliasName must look like 'alias/<name>' (letters, digits, '/', '_', '-'), got '${aliasName}'.`,
      );
    }
    problems.throwIfAny(`LookupTableKey ${this.node.path}`);
    this.key = new kms.Key(this, 'Resource', {
      description: 'flavors: encrypts the global lookup table replica in this region (routing metadata only)',
      enableKeyRotation: true,
      pendingWindow: LOOKUP_TABLE_DEFAULTS.keyPendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    addGrantGuard(this.key);
    this.alias = new kms.Alias(this, 'Alias', { aliasName, targetKey: this.key });
  }
}
