import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from 'crypto';
import { CreateSecretCommand, DeleteSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FlavorsError } from '../errors';
import { DEV_REPLICA_DEFAULTS as D } from './dev-replica-defaults';

/**
 * The login of a dev replica. The password is generated here, kept in memory for the mask, stored
 * in Secrets Manager (encrypted with the flavor key) and never printed: the hand-out names the
 * secret. What reaches the dev node is only its SCRAM-SHA-256 verifier (user data is readable by
 * anyone with `ec2:DescribeInstanceAttribute`; a verifier of a 32-character random password is
 * useless there).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generatePassword(length: number = D.passwordLength): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

/**
 * The verifier PostgreSQL stores for a password (RFC 5802/7677, as `password_encryption =
 * scram-sha-256` computes it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 * `ALTER ROLE … PASSWORD '<verifier>'` sets the password without PostgreSQL ever seeing it. The
 * generated passwords are ASCII letters and digits, which SASLprep leaves unchanged.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** What the hand-out secret holds (the shape RDS uses for its managed secrets, plus where to connect). */
export interface ReplicaLogin {
  readonly username: string;
  readonly password: string;
  readonly host?: string;
  readonly port?: number;
  readonly dbname?: string;
}

/** Stores the login; returns the secret's ARN. */
export async function storeLogin(
  sm: SecretsManagerClient,
  input: {
    name: string;
    login: ReplicaLogin;
    kmsKeyId: string;
    tags: readonly { Key: string; Value: string }[];
    description: string;
  },
): Promise<string> {
  const out = await sm.send(
    new CreateSecretCommand({
      Name: input.name,
      Description: input.description,
      KmsKeyId: input.kmsKeyId,
      SecretString: JSON.stringify(input.login),
      Tags: [...input.tags],
    }),
  );
  return out.ARN!;
}

/** Reads a login secret (the RDS-managed master secret holds `username` and `password`). */
export async function readLogin(sm: SecretsManagerClient, secretId: string): Promise<ReplicaLogin> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString ?? '');
  } catch {
    parsed = undefined;
  }
  const login = parsed as Partial<ReplicaLogin> | undefined;
  if (typeof login?.username !== 'string' || typeof login.password !== 'string') {
    throw new FlavorsError('DEV_REPLICA_SECRET_INVALID', `secret ${secretId} holds no username and password.`);
  }
  return login as ReplicaLogin;
}

/** Deletes a hand-out secret at once (a dev login has nothing to recover); a missing one is fine. */
export async function deleteLogin(sm: SecretsManagerClient, secretId: string): Promise<void> {
  try {
    await sm.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceNotFoundException')) throw err;
  }
}
