import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { flavorRegions } from '../flavor/define-flavor';
import { Problems } from '../problems';
import { FLAVOR_KEY_DEFAULTS, KEY_USAGE_ACTIONS } from './defaults';
import { grantGuardStatement } from './grant-guard';

/** The parts of a flavor a key needs: a `Flavor` from `defineFlavor` fits as it is. */
export interface FlavorKeyFlavor {
  readonly name: string;
  readonly primaryRegion: string;
  readonly fallbackRegions: readonly string[];
}

/** What `FlavorKey.fromKeyAttributes` needs: the flavor (its regions) and the multi-Region key id. */
export interface FlavorKeyAttributes {
  readonly flavor: FlavorKeyFlavor;
  /** The key id, the same in every region of the flavor (`mrk-…`; `FlavorKey.keyId` of the primary stack). */
  readonly keyId: string;
}

const MULTI_REGION_KEY_ID = /^mrk-[0-9a-f]{32}$/;

export interface FlavorKeyProps {
  /** The flavor the key belongs to: its name (alias) and its regions (the only places a replica may exist). */
  readonly flavor: FlavorKeyFlavor;
  /**
   * ARN of the flavor's primary key. Required in a fallback region, where the key is a replica of
   * it; must be left out in the primary region, where the key is created.
   * @default none (primary region)
   */
  readonly primaryKeyArn?: string;
  /**
   * Roles that Data Lifecycle Manager policies run as; the key policy lets them create and copy
   * encrypted snapshots. Matched by `aws:PrincipalArn`, so a role need not exist yet.
   * @default the account's `AWSDataLifecycleManagerDefaultRole`
   */
  readonly dlmRoleArns?: readonly string[];
  /** Waiting period before a scheduled deletion takes effect. @default 30 days */
  readonly pendingWindow?: Duration;
}

/**
 * One multi-Region KMS key per flavor. In the flavor's primary region it creates the primary key
 * (`AWS::KMS::Key`, `MultiRegion`, rotation on); in each fallback region a replica of it
 * (`AWS::KMS::ReplicaKey`); in any other region it refuses to exist. Retained on delete, aliased
 * `alias/flavors/<flavor>` in every region, usable by EBS, RDS and DLM of the account only.
 * A replica shares the primary's key id (`mrk-…`), so a key's ARN in another flavor region is
 * known without a lookup: see `arnIn`.
 */
export class FlavorKey extends Construct {
  /**
   * The ARN of the multi-Region key with id `keyId` in `region`, in the account of `scope`'s stack.
   * Replicas share the primary's id, so this names the replica there.
   */
  static arnInRegion(scope: IConstruct, keyId: string, region: string): string {
    return Stack.of(scope).formatArn({ service: 'kms', region, resource: 'key', resourceName: keyId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }

  /**
   * The flavor key in the region of `scope`'s stack, as another team's stack sees it: a `kms.IKey`
   * to pass to encrypted resources and to grant on (`grantEncryptDecrypt`, `grantDecrypt`). Refuses
   * a stack outside the flavor's regions, where the key has no replica and never will.
   */
  static fromKeyAttributes(scope: Construct, id: string, attrs: FlavorKeyAttributes): kms.IKey {
    const stack = Stack.of(scope);
    const regions = flavorRegions(attrs.flavor);
    const problems = new Problems();
    if (Token.isUnresolved(stack.region)) {
      problems.error('region', 'KEY_REGION_UNRESOLVED', "the stack has no explicit region; give it an env with one of the flavor's regions.");
    } else if (!regions.includes(stack.region)) {
      problems.error(
        'region',
        'KEY_REGION_OUTSIDE_FLAVOR',
        `the stack is in ${stack.region}, outside the flavor's regions (${regions.join(', ')}); a flavor key exists only there.`,
      );
    }
    if (!Token.isUnresolved(attrs.keyId) && !MULTI_REGION_KEY_ID.test(attrs.keyId)) {
      problems.error(
        'keyId',
        'KEY_ID_INVALID',
        `'${attrs.keyId}' is not a multi-Region key id (mrk- and 32 hex digits); take it from the primary stack's FlavorKey.keyId.`,
      );
    }
    problems.throwIfAny(`FlavorKey.fromKeyAttributes ${scope.node.path}/${id}`);
    return kms.Key.fromKeyArn(scope, id, FlavorKey.arnInRegion(scope, attrs.keyId, stack.region));
  }

  /** The key of this region (primary or replica), for constructs taking a `kms.IKey`. */
  readonly key: kms.IKey;
  readonly keyArn: string;
  /** The multi-Region key id, the same in every region of the flavor. */
  readonly keyId: string;
  /** True in a fallback region. */
  readonly isReplica: boolean;
  readonly aliasName: string;
  private readonly flavorRegions: readonly string[];

  constructor(scope: Construct, id: string, props: FlavorKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { flavor } = props;
    this.flavorRegions = flavorRegions(flavor);
    this.isReplica = stack.region !== flavor.primaryRegion;
    this.validate(stack, props);

    this.aliasName = `${FLAVOR_KEY_DEFAULTS.aliasPrefix}${flavor.name}`;
    const policy = this.keyPolicy(stack, props.dlmRoleArns ?? [FlavorKey.defaultDlmRoleArn(stack)]);
    const pendingWindow = props.pendingWindow ?? FLAVOR_KEY_DEFAULTS.pendingWindow;
    const description = `flavors: ${flavor.name} data key (${this.isReplica ? `replica in ${stack.region}` : 'multi-Region primary'})`;

    if (this.isReplica) {
      const replica = new kms.CfnReplicaKey(this, 'Resource', {
        primaryKeyArn: props.primaryKeyArn!,
        keyPolicy: policy,
        description,
        pendingWindowInDays: pendingWindow.toDays(),
        enabled: true,
      });
      replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.keyArn = replica.attrArn;
      this.keyId = replica.attrKeyId;
      this.key = kms.Key.fromKeyArn(this, 'Imported', replica.attrArn);
    } else {
      const key = new kms.Key(this, 'Resource', {
        multiRegion: true,
        enableKeyRotation: FLAVOR_KEY_DEFAULTS.enableKeyRotation,
        policy,
        description,
        pendingWindow,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.keyArn = key.keyArn;
      this.keyId = key.keyId;
      this.key = key;
    }
    new kms.CfnAlias(this, 'Alias', { aliasName: this.aliasName, targetKeyId: this.keyId });
  }

  /**
   * Lets `grantee` encrypt and decrypt with the key in this region directly (the aws-cdk
   * `kms.Key.grantEncryptDecrypt` actions), e.g. an application's own envelope encryption of
   * flavor data; the key policy delegates to IAM policies of the account.
   */
  grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantEncryptDecrypt(grantee);
  }

  /** This key's ARN in another region of the flavor (the replica there, or the primary). */
  arnIn(region: string): string {
    if (!this.flavorRegions.includes(region)) {
      const problems = new Problems();
      problems.error(
        'region',
        'KEY_REGION_OUTSIDE_FLAVOR',
        `${region} is not a region of this flavor (${this.flavorRegions.join(', ')}); the key has no replica there and never will.`,
      );
      problems.throwIfAny(`FlavorKey ${this.node.path}`);
    }
    return FlavorKey.arnInRegion(this, this.keyId, region);
  }

  private static defaultDlmRoleArn(stack: Stack): string {
    return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: FLAVOR_KEY_DEFAULTS.dlmDefaultRoleName });
  }

  private validate(stack: Stack, props: FlavorKeyProps): void {
    const problems = new Problems();
    const error = problems.error.bind(problems);
    if (Token.isUnresolved(stack.region)) {
      error('region', 'KEY_REGION_UNRESOLVED', "the stack has no explicit region; give it an env with one of the flavor's regions.");
    } else if (!this.flavorRegions.includes(stack.region)) {
      error(
        'region',
        'KEY_REGION_OUTSIDE_FLAVOR',
        `the stack is in ${stack.region}, outside the flavor's regions (${this.flavorRegions.join(', ')}); a flavor key exists only there.`,
      );
    } else if (this.isReplica && props.primaryKeyArn === undefined) {
      error(
        'primaryKeyArn',
        'KEY_PRIMARY_ARN_REQUIRED',
        `${stack.region} is a fallback region: pass the primary key's ARN (from ` +
          `the ${props.flavor.primaryRegion} stack) so the key is replicated here.`,
      );
    } else if (!this.isReplica && props.primaryKeyArn !== undefined) {
      error(
        'primaryKeyArn',
        'KEY_PRIMARY_ARN_UNEXPECTED',
        `${stack.region} is the primary region, where the primary key is created; leave primaryKeyArn out.`,
      );
    }
    if (
      props.pendingWindow &&
      !Token.isUnresolved(props.pendingWindow.toDays()) &&
      (props.pendingWindow.toDays() < 7 || props.pendingWindow.toDays() > 30)
    ) {
      error('pendingWindow', 'KEY_PENDING_WINDOW_INVALID', `pendingWindow must be from 7 to 30 days, got ${props.pendingWindow.toDays()}.`);
    }
    problems.throwIfAny(`FlavorKey ${this.node.path}`);
  }

  /**
   * Account administrators manage the key; principals of the account use it only through EBS, RDS
   * and Secrets Manager in the flavor's regions; DLM roles create and copy encrypted snapshots;
   * CloudWatch Logs encrypts this account's log groups of this region (the VPC flow logs); nobody
   * creates a grant that is not for an AWS resource.
   */
  private keyPolicy(stack: Stack, dlmRoleArns: readonly string[]): iam.PolicyDocument {
    const viaServices = this.flavorRegions.flatMap((region) =>
      FLAVOR_KEY_DEFAULTS.viaServices.map((service) => `${service}.${region}.amazonaws.com`),
    );
    const inAccount = { 'kms:CallerAccount': stack.account };
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministration',
          principals: [new iam.AccountRootPrincipal()],
          actions: ['kms:*'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'UseThroughDataServices',
          principals: [new iam.AnyPrincipal()],
          actions: [...KEY_USAGE_ACTIONS],
          resources: ['*'],
          conditions: { StringEquals: { ...inAccount, 'kms:ViaService': viaServices } },
        }),
        new iam.PolicyStatement({
          sid: 'GrantsForDataServices',
          principals: [new iam.AnyPrincipal()],
          actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
          resources: ['*'],
          conditions: { StringEquals: { ...inAccount, 'kms:ViaService': viaServices }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        new iam.PolicyStatement({
          sid: 'SnapshotLifecycleRoles',
          principals: [new iam.AnyPrincipal()],
          actions: [...KEY_USAGE_ACTIONS, 'kms:CreateGrant'],
          resources: ['*'],
          conditions: { StringEquals: inAccount, ArnLike: { 'aws:PrincipalArn': [...dlmRoleArns] } },
        }),
        new iam.PolicyStatement({
          sid: 'LogGroupsOfThisRegion',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
                service: 'logs',
                resource: 'log-group',
                resourceName: '*',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
        grantGuardStatement(),
      ],
    });
  }
}
