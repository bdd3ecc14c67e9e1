import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_LOOKUP_TABLE_NAME } from './runtime/schema-keys';

/**
 * Regions of the control plane (lookup table replicas and service endpoints), the first one being
 * the table's home: the stack that creates the global table is deployed there.
 */
export const DEFAULT_CONTROL_PLANE_REGIONS: readonly string[] = ['us-east-1', 'eu-central-1', 'ap-southeast-2'];

/** Secure defaults of GlobalLookupTable and LookupTableKey; README "Default settings" lists them. */
export const LOOKUP_TABLE_DEFAULTS = {
  tableName: DEFAULT_LOOKUP_TABLE_NAME,
  /** The table key's alias in every control-plane region; the table finds replica keys by it. */
  keyAlias: 'alias/flavors/lookup-table',
  /** DynamoDB's maximum: a bad admin write can be undone for five weeks. */
  pointInTimeRecoveryDays: 35,
  /** Days a scheduled key deletion can still be cancelled (KMS maximum). */
  keyPendingWindow: Duration.days(30),
} as const;

/** Secure defaults of LookupService; README "Default settings" lists them. */
export const LOOKUP_SERVICE_DEFAULTS = {
  /** Host label of the latency-routed service name: `lookup.<zone>`. */
  recordName: 'lookup',
  signingKeyAlias: 'alias/flavors/lookup-signing',
  memorySizeMiB: 512,
  timeout: Duration.seconds(10),
  logRetention: logs.RetentionDays.ONE_YEAR,
  /** Steady-state requests per second per region before API Gateway answers 429. */
  throttleRateLimit: 500,
  throttleBurstLimit: 1000,
  /** 5xx responses in one minute that mark a region unhealthy for DNS (3 minutes in a row). */
  unhealthy5xxPerMinute: 25,
  unhealthyEvaluationMinutes: 3,
  keyPendingWindow: Duration.days(30),
} as const;
