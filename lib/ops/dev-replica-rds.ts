import {
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { DB_TAGS } from '../database/tags';
import { FlavorsError } from '../errors';
import type { RdsDevPlan } from './dev-replica-plan';
import { pollUntil, type PollOptions } from './poll';

/**
 * The RDS dev copy: a point-in-time restore to the latest restorable time of the primary (or of its
 * automated backups replicated into the region), single-AZ on the smallest `db.r5` class, in the
 * flavor's private subnets (a DB subnet group per flavor, created once and kept: it costs nothing
 * and other copies reuse it), the database's security group, not publicly accessible, deletion
 * protection off (a dev copy is disposable), storage encrypted like its source (RDS takes no other
 * key for a restore in the source's region), and a new master password that RDS generates and keeps
 * in Secrets Manager, encrypted with the flavor key.
 */

export interface RdsEndpoint {
  readonly host: string;
  readonly port: number;
  /** ARN of the RDS-managed secret with the master user's password. */
  readonly secretArn: string;
}

async function ensureSubnetGroup(rds: RDSClient, plan: RdsDevPlan, log: (l: string) => void): Promise<void> {
  try {
    await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: plan.subnetGroup.name }));
    return;
  } catch (err) {
    if (!(err instanceof Error && err.name === 'DBSubnetGroupNotFoundFault')) throw err;
  }
  await rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: plan.subnetGroup.name,
      DBSubnetGroupDescription: `flavors: dev replicas of ${plan.flavor} (private subnets)`,
      SubnetIds: [...plan.subnetGroup.subnetIds],
      Tags: [{ Key: DB_TAGS.flavor, Value: plan.flavor }],
    }),
  );
  log(`created DB subnet group ${plan.subnetGroup.name}`);
}

export async function restoreRdsDevCopy(
  rds: RDSClient,
  plan: RdsDevPlan,
  created: { dbInstanceIds: string[] },
  poll: PollOptions,
  log: (l: string) => void,
): Promise<RdsEndpoint> {
  await ensureSubnetGroup(rds, plan, log);
  const source =
    plan.source.kind === 'instance'
      ? { SourceDBInstanceIdentifier: plan.source.instanceId }
      : { SourceDBInstanceAutomatedBackupsArn: plan.source.backupsArn };
  await rds.send(
    new RestoreDBInstanceToPointInTimeCommand({
      ...source,
      TargetDBInstanceIdentifier: plan.replicaId,
      UseLatestRestorableTime: true,
      DBInstanceClass: plan.instanceClass,
      DBSubnetGroupName: plan.subnetGroup.name,
      VpcSecurityGroupIds: [plan.securityGroupId],
      DBParameterGroupName: plan.source.parameterGroup,
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      AutoMinorVersionUpgrade: true,
      ManageMasterUserPassword: true,
      MasterUserSecretKmsKeyId: plan.kmsKeyId,
      Tags: Object.entries(plan.tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  created.dbInstanceIds.push(plan.replicaId);
  log(`restoring ${plan.replicaId} from ${plan.source.kind === 'instance' ? plan.source.instanceId : plan.source.backupsArn}`);
  return pollUntil(
    `${plan.replicaId} available`,
    async () => {
      const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.replicaId }))).DBInstances?.[0];
      if (db?.DBInstanceStatus === 'failed' || db?.DBInstanceStatus === 'incompatible-restore') {
        throw new FlavorsError('DEV_REPLICA_RESTORE_FAILED', `${plan.replicaId} is ${db.DBInstanceStatus}.`);
      }
      if (db?.DBInstanceStatus !== 'available' || !db.Endpoint?.Address || !db.MasterUserSecret?.SecretArn) return undefined;
      return { host: db.Endpoint.Address, port: db.Endpoint.Port ?? plan.port, secretArn: db.MasterUserSecret.SecretArn };
    },
    poll,
  );
}

/** Deletes a dev DB instance without a final snapshot (RDS deletes its managed secret with it). */
export async function deleteRdsDevCopy(rds: RDSClient, id: string, log: (l: string) => void): Promise<void> {
  try {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    log(`deleting DB instance ${id} (no final snapshot)`);
  } catch (err) {
    if (err instanceof Error && err.name === 'DBInstanceNotFoundFault') return;
    // Already being deleted: nothing more to do.
    if (err instanceof Error && err.name === 'InvalidDBInstanceStateFault' && /being deleted|deleting/i.test(err.message)) return;
    throw err;
  }
}
