import { Duration } from 'aws-cdk-lib';

/** Secure defaults of FlavorKey; lib/keys/README.md "Default settings" lists them. */
export const FLAVOR_KEY_DEFAULTS = {
  /** Every region of a flavor resolves the same alias to its own copy of the key. */
  aliasPrefix: 'alias/flavors/',
  enableKeyRotation: true,
  /** The longest waiting period KMS allows: a scheduled deletion can be cancelled for 30 days. */
  pendingWindow: Duration.days(30),
  /**
   * Services that principals of the account may use the key through (`kms:ViaService`), in every
   * region of the flavor: EBS volumes and snapshots (ec2), RDS storage, backups and Performance
   * Insights (rds), and the RDS-managed master password (secretsmanager). Every flavor region, not
   * only the key's own, because a cross-region snapshot copy decrypts at the source and encrypts at
   * the destination.
   */
  viaServices: ['ec2', 'rds', 'secretsmanager'] as readonly string[],
  /** The role `aws dlm create-default-role` creates; DLM policies run as it unless given another. */
  dlmDefaultRoleName: 'AWSDataLifecycleManagerDefaultRole',
};

/** What the key lets data services do with it (the AWS-managed `aws/ebs` key allows the same). */
export const KEY_USAGE_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
