import { FlavorsError } from '../errors';
import type { ClientsFor } from './aws-clients';
import type { DatabaseRef } from './connections';
import { createEc2DevNode, deleteEc2DevNode } from './dev-replica-ec2';
import { applyK8sDevCluster, deleteK8sDevCluster } from './dev-replica-k8s';
import type { KubeFor } from './dev-replica-kube';
import { replicaUrl, runMask } from './dev-replica-mask';
import type { DevReplicaPlan } from './dev-replica-plan';
import { deleteRdsDevCopy, restoreRdsDevCopy } from './dev-replica-rds';
import { deleteLogin, generatePassword, readLogin, scramVerifier, storeLogin } from './dev-replica-secret';
import { DEV_REPLICA_DEFAULTS as D } from './dev-replica-defaults';
import type { PollOptions } from './poll';

/** What the owner gets: where to connect and which secret holds the password (never the password). */
export interface DevReplicaHandOut {
  readonly replicaId: string;
  readonly platform: DevReplicaPlan['platform'];
  readonly flavor: string;
  readonly database: string;
  readonly region: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dbname: string;
  /** ARN of the Secrets Manager secret with the password. */
  readonly secretArn: string;
  readonly expiresAt: string;
  readonly masked: boolean;
}

export interface CreateDeps {
  readonly clientsFor: ClientsFor;
  readonly kubeFor?: KubeFor;
  /** Waiting for AWS (volumes, instances, restores, clusters). */
  readonly poll: PollOptions;
  /** Waiting for the copy to accept its login. @default DEV_REPLICA_DEFAULTS.connectPoll with `poll.sleep` */
  readonly connectPoll?: PollOptions;
  readonly connectTimeoutMs?: number;
  /** Connect to an RDS copy with TLS (`sslmode=require`, the data plane sets `rds.force_ssl`). @default true */
  readonly rdsTls?: boolean;
  readonly log: (line: string) => void;
  /** @default a generated 32-character password */
  readonly generatePassword?: () => string;
}

/** Everything created so far, so a failure deletes exactly that. */
interface Created {
  volumeIds: string[];
  instanceIds: string[];
  dbInstanceIds: string[];
  secretArns: string[];
  k8s: boolean;
}

/**
 * Creates the planned copy, masks it when asked, and only then hands it out. Any failure (the
 * mask's included) deletes what was created and re-throws; nothing is handed out.
 */
export async function createDevReplica(
  plan: DevReplicaPlan,
  mask: { file: string; sql: string } | undefined,
  deps: CreateDeps,
): Promise<DevReplicaHandOut> {
  const clients = deps.clientsFor(plan.region);
  const created: Created = { volumeIds: [], instanceIds: [], dbInstanceIds: [], secretArns: [], k8s: false };
  const connectPoll = deps.connectPoll ?? { sleep: deps.poll.sleep, ...D.connectPoll };
  const ref: DatabaseRef = { flavor: plan.flavor, region: plan.region, database: plan.replicaId };
  const tags = Object.entries(plan.tags).map(([Key, Value]) => ({ Key, Value }));
  const description = `flavors: login of dev replica ${plan.replicaId} (${plan.flavor}/${plan.database}), expires ${plan.expiresAt.toISOString()}`;
  try {
    let endpoint: { host: string; port: number; handOutHost: string; password: string; secretArn: string; tls: boolean };
    if (plan.platform === 'rds') {
      const rds = await restoreRdsDevCopy(clients.rds, plan, created, deps.poll, deps.log);
      const login = await readLogin(clients.secretsmanager, rds.secretArn);
      endpoint = {
        host: rds.host,
        port: rds.port,
        handOutHost: rds.host,
        password: login.password,
        secretArn: rds.secretArn,
        tls: deps.rdsTls ?? true,
      };
    } else {
      const password = (deps.generatePassword ?? generatePassword)();
      if (plan.platform === 'ec2') {
        const host = await createEc2DevNode(clients.ec2, plan, scramVerifier(password), created, deps.poll, deps.log);
        endpoint = { host, port: plan.port, handOutHost: host, password, secretArn: '', tls: false };
      } else {
        if (!deps.kubeFor) throw new FlavorsError('DEV_REPLICA_NO_KUBERNETES', `${plan.database} runs on Kubernetes; pass a Kubernetes client.`);
        const k8s = await applyK8sDevCluster(deps.kubeFor(plan.region), plan, password, created, deps.poll, deps.log);
        endpoint = { host: k8s.host, port: k8s.port, handOutHost: k8s.serviceHost, password, secretArn: '', tls: false };
      }
      const secretArn = await storeLogin(clients.secretsmanager, {
        name: plan.secretName,
        kmsKeyId: plan.kmsKeyId,
        tags,
        description,
        login: { username: plan.user, password, host: endpoint.handOutHost, port: endpoint.port, dbname: plan.dbname },
      });
      created.secretArns.push(secretArn);
      endpoint = { ...endpoint, secretArn };
      deps.log(`stored the login in Secrets Manager ${plan.secretName}`);
    }
    if (mask) {
      const url = replicaUrl({
        host: endpoint.host,
        port: endpoint.port,
        user: plan.user,
        password: endpoint.password,
        dbname: plan.dbname,
        tls: endpoint.tls,
      });
      deps.log(`masking with ${mask.file}`);
      await runMask(ref, url, mask, connectPoll, deps.connectTimeoutMs);
      deps.log(`mask ${mask.file} applied`);
    }
    return {
      replicaId: plan.replicaId,
      platform: plan.platform,
      flavor: plan.flavor,
      database: plan.database,
      region: plan.region,
      host: endpoint.handOutHost,
      port: endpoint.port,
      user: plan.user,
      dbname: plan.dbname,
      secretArn: endpoint.secretArn,
      expiresAt: plan.expiresAt.toISOString(),
      masked: mask !== undefined,
    };
  } catch (err) {
    const cleanup = await deleteCreated(plan, created, deps).then(
      () => 'the copy was deleted',
      (e: unknown) =>
        `deleting the copy failed too (${e instanceof Error ? e.message : String(e)}); ` +
        `'flavors dev-replica expire' removes it after ${plan.expiresAt.toISOString()}`,
    );
    const code = err instanceof FlavorsError ? err.code : 'DEV_REPLICA_CREATE_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    throw new FlavorsError(code, `${message.replace(/[.;]\s*$/, '')}; ${cleanup} and nothing was handed out.`);
  }
}

async function deleteCreated(plan: DevReplicaPlan, created: Created, deps: CreateDeps): Promise<void> {
  const clients = deps.clientsFor(plan.region);
  deps.log(`deleting ${plan.replicaId}`);
  for (const arn of created.secretArns) await deleteLogin(clients.secretsmanager, arn);
  if (created.instanceIds.length > 0 || created.volumeIds.length > 0) await deleteEc2DevNode(clients.ec2, created, deps.poll, deps.log);
  for (const id of created.dbInstanceIds) await deleteRdsDevCopy(clients.rds, id, deps.log);
  if (created.k8s && deps.kubeFor) await deleteK8sDevCluster(deps.kubeFor(plan.region), plan.replicaId, deps.log);
}
