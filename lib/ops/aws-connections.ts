import { DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DB_TAGS } from '../database/tags';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { connectionKey, type DatabaseRef, type FallbackResolver } from './connections';

/**
 * The connections fallback in AWS: a database without an entry in the connections file is found
 * as the RDS instance the flavor deployed (tags `flavors:flavor` and `flavors:database`, the
 * writer, not a read replica) and its RDS-managed master secret in Secrets Manager
 * (`ManagedDatabase` sets `manageMasterUserPassword`). Databases on EC2 or Kubernetes have no
 * discoverable endpoint: for them it answers `undefined`, and the caller asks for a file entry.
 */
export interface AwsConnectionFallbackProps {
  /** Every flavor, to tell an RDS database from the others. */
  readonly flavors: readonly Flavor[];
  /** RDS client of a region (tests pass clients under aws-sdk-client-mock). */
  readonly rds: (region: string) => RDSClient;
  /** Secrets Manager client of a region. */
  readonly secrets: (region: string) => SecretsManagerClient;
  /**
   * PEM bundle of the RDS certificate authorities (the AWS "global-bundle.pem"): connections then
   * verify the server (`sslmode=verify-full`).
   * @default encrypted, server not verified (`sslmode=no-verify`)
   */
  readonly sslRootCertFile?: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function writerInstance(rds: RDSClient, ref: DatabaseRef): Promise<DBInstance | undefined> {
  let Marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ Marker }));
    for (const db of page.DBInstances ?? []) {
      const tags = new Map((db.TagList ?? []).map((t) => [t.Key, t.Value]));
      if (tags.get(DB_TAGS.flavor) === ref.flavor && tags.get(DB_TAGS.database) === ref.database && !db.ReadReplicaSourceDBInstanceIdentifier)
        return db;
    }
    Marker = page.Marker;
  } while (Marker);
  return undefined;
}

/** A `FallbackResolver` over RDS and Secrets Manager; failures name the connections key, never a secret. */
export function awsConnectionFallback(props: AwsConnectionFallbackProps): FallbackResolver {
  return async (ref) => {
    const key = connectionKey(ref);
    const spec = props.flavors.find((f) => f.name === ref.flavor)?.databases[ref.database];
    if (spec?.platform !== 'rds' || spec.engine !== 'postgres') return undefined;
    let db: DBInstance | undefined;
    try {
      db = await writerInstance(props.rds(ref.region), ref);
    } catch (err) {
      throw new FlavorsError(
        'CONNECTION_LOOKUP_FAILED',
        `cannot find ${key} in RDS (${ref.region}): ${errorText(err)}; add "${key}" to the connections file or check the AWS credentials.`,
      );
    }
    if (!db) return undefined;
    const host = db.Endpoint?.Address;
    const secretArn = db.MasterUserSecret?.SecretArn;
    if (!host || !secretArn) {
      throw new FlavorsError(
        'CONNECTION_LOOKUP_FAILED',
        `${key}: RDS instance ${db.DBInstanceIdentifier} ` +
          `has ${host ? 'no RDS-managed master secret' : 'no endpoint yet'}; add "${key}" to the connections file.`,
      );
    }
    let text: string | undefined;
    try {
      text = (await props.secrets(ref.region).send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
    } catch (err) {
      throw new FlavorsError('CONNECTION_LOOKUP_FAILED', `cannot read the secret of ${key} (${secretArn}): ${errorText(err)}.`);
    }
    let credentials: { username?: unknown; password?: unknown } | undefined;
    try {
      credentials = text ? (JSON.parse(text) as typeof credentials) : undefined;
    } catch {
      credentials = undefined;
    }
    if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
      // The secret's text may be the password itself: it never goes into the message.
      throw new FlavorsError('CONNECTION_LOOKUP_FAILED', `the secret of ${key} (${secretArn}) is not a JSON object with username and password.`);
    }
    const tls = props.sslRootCertFile ? `sslmode=verify-full&sslrootcert=${encodeURIComponent(props.sslRootCertFile)}` : 'sslmode=no-verify';
    const user = `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}`;
    return `postgresql://${user}@${host}:${db.Endpoint?.Port ?? 5432}/${encodeURIComponent(db.DBName ?? 'postgres')}?${tls}`;
  };
}
