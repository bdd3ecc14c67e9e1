import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FlavorsError } from '../errors';
import { OPS_DEFAULTS } from './defaults';

/** The SDK clients of one region. Route 53 is global; its client is the same in every region. */
export interface RegionClients {
  readonly ec2: EC2Client;
  readonly rds: RDSClient;
  readonly route53: Route53Client;
  readonly dynamodb: DynamoDBClient;
  /** Read-only: the RDS replicas' `ReplicaLag` metric. */
  readonly cloudwatch: CloudWatchClient;
  /** Dev replicas: the hand-out login of a copy (created, read for masking, deleted on expiry). */
  readonly secretsmanager: SecretsManagerClient;
}

/**
 * Hands out the clients of a region. The ops functions take one of these, so tests pass mocks
 * (`mockClient(EC2Client)` replaces `send` on every instance) and only `bin/` creates real ones.
 */
export type ClientsFor = (region: string) => RegionClients;

// The SDK packages load when clients are first made, not when this module is imported: a CLI command that fails on
// its arguments, or never reaches AWS, does not pay for six SDK packages. `typeof import` keeps the types checked.
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = {
  cloudwatch: () => (require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch')).CloudWatchClient,
  dynamodb: () => (require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb')).DynamoDBClient,
  ec2: () => (require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')).EC2Client,
  rds: () => (require('@aws-sdk/client-rds') as typeof import('@aws-sdk/client-rds')).RDSClient,
  route53: () => (require('@aws-sdk/client-route-53') as typeof import('@aws-sdk/client-route-53')).Route53Client,
  secretsmanager: () => (require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager')).SecretsManagerClient,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Real SDK v3 clients, created once per region; credentials come from the default provider chain. */
export function createAwsClients(): ClientsFor {
  const cache = new Map<string, RegionClients>();
  // Route 53's API lives in us-east-1 whatever region the caller works in.
  let route53: Route53Client | undefined;
  return (region) => {
    let clients = cache.get(region);
    if (!clients) {
      route53 ??= new (sdk.route53())({ region: 'us-east-1' });
      clients = {
        ec2: new (sdk.ec2())({ region }),
        rds: new (sdk.rds())({ region }),
        route53,
        dynamodb: new (sdk.dynamodb())({ region }),
        cloudwatch: new (sdk.cloudwatch())({ region }),
        secretsmanager: new (sdk.secretsmanager())({ region }),
      };
      cache.set(region, clients);
    }
    return clients;
  };
}

/** Resolves credentials the way the SDK clients will, e.g. `() => client.config.credentials()`. */
export type CredentialsCheck = () => Promise<unknown>;

/** The default provider chain of a fresh client (environment, profiles, SSO, process, container, IMDS). */
export function defaultCredentialsCheck(region: string): CredentialsCheck {
  return () => new (sdk.ec2())({ region }).config.credentials();
}

/**
 * Fails with `OPS_NO_CREDENTIALS` (one line, no stack) unless credentials resolve within the timeout.
 * The timeout bounds the instance-metadata probe on machines that are not EC2 instances;
 * `AWS_EC2_METADATA_DISABLED=true` skips that probe altogether.
 */
export async function assertAwsCredentials(check: CredentialsCheck, timeoutMs: number = OPS_DEFAULTS.credentialTimeoutMs): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([
      check().then(
        () => 'ok' as const,
        (err: unknown) => err,
      ),
      timeout,
    ]);
    if (result === 'ok') return;
    const why =
      result === 'timeout'
        ? `resolving them took longer than ${timeoutMs} ms`
        : 'checked environment variables, shared config and credentials files, SSO, credential process, container and instance metadata';
    throw new FlavorsError('OPS_NO_CREDENTIALS', `no AWS credentials found (${why}); configure a profile or AWS_* variables`);
  } finally {
    clearTimeout(timer);
  }
}
