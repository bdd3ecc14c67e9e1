/**
 * Defaults of `flavors dev-replica`; lib/ops/README.md "Dev replicas" lists them with the reasons.
 */
export const DEV_REPLICA_DEFAULTS = {
  /** The smallest R5 size: a dev copy serves one team, not production traffic. */
  instanceType: 'r5.large',
  /** The smallest `db.r5` class, single-AZ. */
  rdsInstanceClass: 'db.r5.large',
  /** Shortest and longest lifetime `--ttl` accepts: a forgotten copy of production data costs and leaks. */
  minTtlHours: 1,
  maxTtlHours: 7 * 24,
  /** Subnet group name (`aws-cdk:subnet-name` tag) of the RegionalVpc's private (NAT egress) subnets. */
  subnetGroup: 'Private',
  /** Login role created (EC2, k8s) or the RDS master user of the copy; the hand-out names it. */
  user: 'flavors_dev',
  /** Generated password length (letters and digits only: it goes through URLs, shell and YAML). */
  passwordLength: 32,
  /** Database the mask runs in and the hand-out names. */
  pgDatabase: 'postgres',
  /** Root volume of the dev node. */
  rootVolumeSizeGiB: 30,
  /** Namespace prefix of dev clusters on a regional Kubernetes cluster (`flavors-dev-<flavor>`). */
  k8sNamespacePrefix: 'flavors-dev-',
  /** Waiting for the dev node's PostgreSQL to accept the login after boot (it mounts, recovers, starts). */
  connectPoll: { attempts: 60, delayMs: 10000 },
  /** Where the hand-out password lives: `flavors/dev-replicas/<replica id>` in Secrets Manager. */
  secretPrefix: 'flavors/dev-replicas/',
  // Copies of lib/database/defaults.ts values (that module imports aws-cdk-lib, which the ops tools
  // do not load); test/lib/ops/dev-replica-request.test.ts keeps them equal.
  /** The AMI of the database nodes (DB_NODE_FLEET_DEFAULTS.machineImageParameter), resolved by EC2 at launch. */
  machineImageParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  /** RDS master user of the source, kept by a restore (MANAGED_DATABASE_DEFAULTS.masterUsername). */
  rdsMasterUsername: 'flavors_admin',
  /** Engine ports (ENGINE_PORTS, MANAGED_DATABASE_DEFAULTS.port). */
  port: { postgres: 5432, mysql: 3306 },
} as const;

/** The RDS DB subnet group of a flavor's dev copies (its private subnets); created once, reused. */
export function devSubnetGroupName(flavor: string): string {
  return `flavors-dev-${flavor}`;
}

/** The Kubernetes namespace of a flavor's dev clusters. */
export function devNamespace(flavor: string): string {
  return `${DEV_REPLICA_DEFAULTS.k8sNamespacePrefix}${flavor}`;
}

/** The Secrets Manager secret name holding a replica's login. */
export function devSecretName(replicaId: string): string {
  return `${DEV_REPLICA_DEFAULTS.secretPrefix}${replicaId}`;
}
