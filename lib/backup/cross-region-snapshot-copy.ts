import { Annotations, ArnFormat, AspectPriority, Aspects, Stack, Token } from 'aws-cdk-lib';
import * as dlm from 'aws-cdk-lib/aws-dlm';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import type { Problem } from '../errors';
import { Problems } from '../problems';
import { DLM_INTERVAL_HOURS, DLM_MAX_COPY_REGIONS, DLM_MAX_RETAIN } from '../flavor/defaults';
import { regionInfo } from '../flavor/regions';
import { suppressInlineRolePolicy, suppressNag } from '../nag-suppressions';
import { regionsMentioned } from '../residency/rules/foreign-region-reference';
import { DbDataSnapshotTags, snapshotTargetTag } from './db-data-snapshot-tags';
import { DLM_MAX_COPY_RETAIN_DAYS, SNAPSHOT_COPY_DEFAULTS, SNAPSHOT_ROLE_PATH_PREFIX, SNAPSHOT_TAGS } from './defaults';
import { snapshotRpo, type SnapshotRpo } from './rpo';

/** One destination of the snapshot copies. */
export interface SnapshotCopyTarget {
  /** Destination region: one of the flavor's regions, not the region the snapshots are taken in. */
  readonly region: string;
  /** ARN (`arn:aws:kms:<region>:<account>:key/...`) of the key in `region` that encrypts the copies: the flavor key's replica there. */
  readonly encryptionKeyArn: string;
}

export interface CrossRegionSnapshotCopyProps {
  /** Flavor whose database data volumes are snapshotted (volumes tagged `flavors:snapshot-target = <flavor>/db-data`). */
  readonly flavorName: string;
  /** Hours between snapshots; one of DLM's intervals: 1, 2, 3, 4, 6, 8, 12, 24. */
  readonly intervalHours: number;
  /** Snapshots kept per volume in the source region, 1 to 1000. */
  readonly retain: number;
  /** Regions each snapshot is copied to, at most 3, each with its own key. @default [] — in-region snapshots only (a warning says so) */
  readonly copyTargets?: readonly SnapshotCopyTarget[];
  /** Days a copy is kept in its destination. @default the source window, ceil(retain × intervalHours / 24), at least 1 */
  readonly copyRetainDays?: number;
  /**
   * ARN of the key encrypting the source volumes, which DLM must read to copy their snapshots.
   * @default no permission on a source key: right only when the volumes use the account's AWS managed EBS key
   */
  readonly sourceEncryptionKeyArn?: string;
  /** Regions the copies may go to; anything else is an error. @default no restriction beyond DLM's own rules */
  readonly allowedRegions?: readonly string[];
  /** UTC `hh:mm` the schedule is anchored to. @default '00:00' */
  readonly startTime?: string;
  /** Planning estimate (minutes) for a snapshot to complete and its copy to land, used in `rpo`. @default 60 */
  readonly estimatedCopyMinutes?: number;
  /**
   * Adds `DbDataSnapshotTags` to this construct's stack, so every volume in the stack tagged
   * `flavors:role = db-data` and `flavors:flavor = <flavorName>` gets the target tag.
   * @default true
   */
  readonly tagVolumesInStack?: boolean;
}

/** EC2 actions that create a snapshot and may tag it in the same call (`ec2:CreateAction`). */
const SNAPSHOT_CREATE_ACTIONS = ['CreateSnapshot', 'CreateSnapshots', 'CopySnapshot'] as const;
const DLM_NAME = /^[0-9A-Za-z _-]+$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const KMS_KEY_ARN = /^arn:aws(-[a-z]+)*:kms:([a-z0-9-]+):(\d{12}):key\/.+$/;
const isInt = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;

/**
 * A DLM lifecycle policy that snapshots one flavor's database data volumes in the stack's region
 * on the flavor's interval, keeps `retain` of them, and copies each snapshot to at most 3 other
 * regions, every copy encrypted with an explicit key in its destination. Runs under a dedicated,
 * least-privilege role. Guarantees: no copy to the source region or outside `allowedRegions`;
 * the RPO the schedule implies is exposed as `rpo`.
 */
export class CrossRegionSnapshotCopy extends Construct {
  /**
   * ARN pattern matching the execution roles of a flavor's snapshot policies in `scope`'s account
   * (`role/flavors/dlm/<flavor>/*`), for key policies written before the roles exist.
   */
  static roleArnPattern(scope: IConstruct, flavorName: string): string {
    return Stack.of(scope).formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: `${SNAPSHOT_ROLE_PATH_PREFIX}${flavorName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** The DLM policy. */
  readonly policy: dlm.CfnLifecyclePolicy;
  /** The role DLM runs the policy as. */
  readonly role: iam.Role;
  /** Destination regions of the copies, in order; empty for in-region snapshots only. */
  readonly copyRegions: readonly string[];
  /** The single tag the policy targets. */
  readonly targetTag: { readonly key: string; readonly value: string };
  /** Worst-case age of the newest usable snapshot this schedule gives (interval + start window + copy). */
  readonly rpo: SnapshotRpo;

  constructor(scope: Construct, id: string, props: CrossRegionSnapshotCopyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const targets = props.copyTargets ?? [];
    const startTime = props.startTime ?? SNAPSHOT_COPY_DEFAULTS.startTime;
    const copyRetainDays = props.copyRetainDays ?? Math.max(1, Math.ceil((props.retain * props.intervalHours) / 24));
    const estimatedCopyMinutes = props.estimatedCopyMinutes ?? SNAPSHOT_COPY_DEFAULTS.estimatedCopyMinutes;
    this.validate(props, stack.region, targets, startTime, copyRetainDays, estimatedCopyMinutes);

    this.copyRegions = targets.map((t) => t.region);
    this.targetTag = snapshotTargetTag(props.flavorName);
    this.rpo = snapshotRpo(props.intervalHours, targets.length > 0, estimatedCopyMinutes);
    this.role = this.createRole(stack, props.flavorName, targets, props.sourceEncryptionKeyArn);

    this.policy = new dlm.CfnLifecyclePolicy(this, 'Resource', {
      description: `flavors ${props.flavorName} db-data snapshots every ${props.intervalHours}h`,
      state: 'ENABLED',
      executionRoleArn: this.role.roleArn,
      policyDetails: {
        policyType: 'EBS_SNAPSHOT_MANAGEMENT',
        resourceTypes: ['VOLUME'],
        resourceLocations: ['CLOUD'],
        targetTags: [{ key: this.targetTag.key, value: this.targetTag.value }],
        schedules: [
          {
            name: `${props.flavorName} every ${props.intervalHours}h`,
            copyTags: SNAPSHOT_COPY_DEFAULTS.copyTags,
            tagsToAdd: [
              { key: SNAPSHOT_TAGS.sourceRegion, value: stack.region },
              { key: SNAPSHOT_TAGS.policyFlavor, value: props.flavorName },
            ],
            createRule: { interval: props.intervalHours, intervalUnit: 'HOURS', times: [startTime] },
            retainRule: { count: props.retain },
            crossRegionCopyRules:
              targets.length === 0
                ? undefined
                : targets.map((t) => ({
                    target: t.region,
                    encrypted: true,
                    cmkArn: t.encryptionKeyArn,
                    copyTags: SNAPSHOT_COPY_DEFAULTS.copyTags,
                    retainRule: { interval: copyRetainDays, intervalUnit: 'DAYS' },
                  })),
          },
        ],
      },
    });
    // DLM validates the role when the policy is created; its permissions must exist by then.
    this.policy.node.addDependency(this.role);

    if (targets.length === 0) {
      Annotations.of(this).addWarningV2(
        'flavors:backup:in-region-only',
        `${props.flavorName}: snapshots stay in ${Token.isUnresolved(stack.region) ? 'the stack region' : stack.region} ` +
          `(no copy regions); a regional outage loses access to every backup until the region recovers.`,
      );
    }
    if (props.tagVolumesInStack ?? true) {
      Aspects.of(stack).add(new DbDataSnapshotTags(props.flavorName), { priority: AspectPriority.MUTATING + 1 });
    }
  }

  private validate(
    props: CrossRegionSnapshotCopyProps,
    sourceRegion: string,
    targets: readonly SnapshotCopyTarget[],
    startTime: string,
    copyRetainDays: number,
    estimatedCopyMinutes: number,
  ): void {
    const problems = new Problems();
    const error = problems.error.bind(problems);
    if (!DLM_NAME.test(props.flavorName)) {
      error('flavorName', 'BACKUP_FLAVOR_NAME_INVALID', `'${props.flavorName}' cannot name a DLM policy; use letters, digits, spaces, '_' or '-'.`);
    }
    if (!Token.isUnresolved(props.intervalHours) && !DLM_INTERVAL_HOURS.includes(props.intervalHours)) {
      error(
        'intervalHours',
        'BACKUP_INTERVAL_UNSUPPORTED',
        `${props.intervalHours} is not a DLM interval; use one of ${DLM_INTERVAL_HOURS.join(', ')} hours.`,
      );
    }
    if (!Token.isUnresolved(props.retain) && !isInt(props.retain, 1, DLM_MAX_RETAIN)) {
      error('retain', 'BACKUP_RETAIN_INVALID', `retain must be an integer from 1 to ${DLM_MAX_RETAIN} (DLM's limit), got ${props.retain}.`);
    }
    if (!Token.isUnresolved(copyRetainDays) && !isInt(copyRetainDays, 1, DLM_MAX_COPY_RETAIN_DAYS)) {
      error(
        'copyRetainDays',
        'BACKUP_COPY_RETAIN_INVALID',
        `copyRetainDays must be an integer from 1 to ${DLM_MAX_COPY_RETAIN_DAYS}, got ${copyRetainDays}.`,
      );
    }
    if (!HH_MM.test(startTime)) {
      error('startTime', 'BACKUP_START_TIME_INVALID', `startTime '${startTime}' must be a UTC time 'hh:mm', e.g. '03:00'.`);
    }
    if (!isInt(estimatedCopyMinutes, 0, 7 * 24 * 60)) {
      error(
        'estimatedCopyMinutes',
        'BACKUP_COPY_ESTIMATE_INVALID',
        `estimatedCopyMinutes must be an integer from 0 to ${7 * 24 * 60}, got ${estimatedCopyMinutes}.`,
      );
    }
    if (targets.length > DLM_MAX_COPY_REGIONS) {
      error(
        'copyTargets',
        'BACKUP_TOO_MANY_COPY_REGIONS',
        `${targets.length} copy regions given but DLM copies to at most ${DLM_MAX_COPY_REGIONS}; keep the ${DLM_MAX_COPY_REGIONS} that matter most.`,
      );
    }
    if (props.allowedRegions && !Token.isUnresolved(sourceRegion) && !props.allowedRegions.includes(sourceRegion)) {
      error(
        '',
        'BACKUP_SOURCE_OUTSIDE_ALLOWED',
        `the stack region ${sourceRegion} is not one of allowedRegions (${props.allowedRegions.join(', ')}).`,
      );
    }
    targets.forEach((t, i) => {
      const path = `copyTargets[${i}]`;
      if (!Token.isUnresolved(t.region)) {
        if (!regionInfo(t.region)) {
          error(`${path}.region`, 'BACKUP_COPY_REGION_UNKNOWN', `'${t.region}' is not an AWS commercial region (see lib/flavor/regions.ts).`);
        } else if (t.region === sourceRegion) {
          error(
            `${path}.region`,
            'BACKUP_COPY_TO_SOURCE_REGION',
            `${t.region} is the region the snapshots are taken in; copy to another of the flavor's regions.`,
          );
        } else if (props.allowedRegions && !props.allowedRegions.includes(t.region)) {
          error(
            `${path}.region`,
            'BACKUP_COPY_OUTSIDE_ALLOWED',
            `${t.region} is outside the allowed regions (${props.allowedRegions.join(', ')}); snapshots may only be copied inside the flavor.`,
          );
        }
        if (targets.findIndex((o) => o.region === t.region) < i) {
          error(`${path}.region`, 'BACKUP_COPY_REGION_DUPLICATE', `${t.region} is listed twice; list each copy region once.`);
        }
      }
      problems.add(checkKeyArn(t, path));
    });
    problems.throwIfAny(`CrossRegionSnapshotCopy ${this.node.path}`);
  }

  /**
   * A role only this policy uses: snapshots of volumes carrying its target tag, copies into its
   * copy regions, deletion of snapshots carrying the target tag, and the named keys.
   */
  private createRole(stack: Stack, flavorName: string, targets: readonly SnapshotCopyTarget[], sourceKeyArn: string | undefined): iam.Role {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('dlm.amazonaws.com'),
      // A per-flavor path lets the flavor key's policy name these roles before they exist.
      path: `/${SNAPSHOT_ROLE_PATH_PREFIX}${flavorName}/`,
      description: `DLM: ${this.targetTag.value} snapshots and their cross-region copies`,
    });
    const snapshots = (region: string): string => stack.formatArn({ service: 'ec2', region, account: '', resource: 'snapshot', resourceName: '*' });
    const allSnapshots = [stack.region, ...targets.map((t) => t.region)].map(snapshots);
    const volumes = stack.formatArn({ service: 'ec2', resource: 'volume', resourceName: '*' });
    const tagCondition = { StringEquals: { [`aws:ResourceTag/${this.targetTag.key}`]: this.targetTag.value } };
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Describe',
        actions: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots', 'ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SnapshotTargetVolumes',
        actions: ['ec2:CreateSnapshot'],
        resources: [volumes],
        conditions: tagCondition,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CreateSnapshots',
        actions: ['ec2:CreateSnapshot'],
        resources: [snapshots(stack.region)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CopySnapshots',
        actions: ['ec2:CopySnapshot'],
        resources: allSnapshots,
      }),
    );
    // AWS's managed DLM policy lets CreateTags touch every snapshot. Unconditioned, this role could put
    // the target tag on a foreign snapshot and so make it deletable by DeleteOwnSnapshots: tags may
    // only be written while DLM creates or copies a snapshot, or on snapshots that already are ours.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TagSnapshotsAtCreation',
        actions: ['ec2:CreateTags'],
        resources: allSnapshots,
        conditions: { StringEquals: { 'ec2:CreateAction': [...SNAPSHOT_CREATE_ACTIONS] } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TagOwnSnapshots',
        actions: ['ec2:CreateTags'],
        resources: allSnapshots,
        conditions: tagCondition,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteOwnSnapshots',
        actions: ['ec2:DeleteSnapshot'],
        resources: allSnapshots,
        conditions: tagCondition,
      }),
    );
    const keys = [...(sourceKeyArn ? [sourceKeyArn] : []), ...targets.map((t) => t.encryptionKeyArn)];
    if (keys.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'UseSnapshotKeys',
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
            'kms:GenerateDataKey',
            'kms:GenerateDataKeyWithoutPlaintext',
            'kms:DescribeKey',
          ],
          resources: keys,
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'GrantSnapshotKeysToEbs',
          actions: ['kms:CreateGrant'],
          resources: keys,
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    }
    suppressNag(role.node.findChild('DefaultPolicy'), [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'EC2 Describe* calls support no resource ARNs; snapshot ARNs are only known after DLM creates them, so ' +
          'they are scoped by region (the flavor regions) and deletion and volume access by the flavor target tag.',
        appliesTo: ['Resource::*', `Resource::${volumes}`, ...allSnapshots.map((arn) => `Resource::${arn}`)],
      },
    ]);
    suppressInlineRolePolicy(role.node.findChild('DefaultPolicy'));
    return role;
  }
}

function checkKeyArn(t: SnapshotCopyTarget, path: string): Problem[] {
  const at = `${path}.encryptionKeyArn`;
  const problem = (code: string, message: string): Problem[] => [{ path: at, code, message, severity: 'error' }];
  if (Token.isUnresolved(t.encryptionKeyArn)) {
    // A token ARN (e.g. built from the primary key id) can still name its region literally.
    const named = regionsMentioned(t.encryptionKeyArn);
    const wrong = named.find((r) => r !== t.region);
    return !Token.isUnresolved(t.region) && wrong
      ? problem(
          'BACKUP_COPY_KEY_REGION_MISMATCH',
          `the key is in ${wrong}, not in ${t.region}; encrypt each copy with the flavor key's replica in its destination.`,
        )
      : [];
  }
  const match = KMS_KEY_ARN.exec(t.encryptionKeyArn);
  if (!match) {
    return problem(
      'BACKUP_COPY_KEY_INVALID',
      `'${t.encryptionKeyArn}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); ` +
        `DLM needs an explicit key ARN, not an alias or key id.`,
    );
  }
  if (!Token.isUnresolved(t.region) && match[2] !== t.region) {
    return problem(
      'BACKUP_COPY_KEY_REGION_MISMATCH',
      `the key is in ${match[2]}, not in ${t.region}; encrypt each copy with the flavor key's replica in its destination.`,
    );
  }
  return [];
}
