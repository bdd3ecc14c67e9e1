/**
 * Defaults every flavor starts from — the top of the policy chain defaults → flavor → client → space.
 * A flavor may shorten the interval, retain more and keep failover manual; it may not go below these.
 */
export const FLAVOR_DEFAULTS = {
  backup: { intervalHours: 24, retain: 7, copyTo: 'fallbacks' as const },
  failover: { dns: 'automatic' as const, database: 'manual' as const },
};

/** Intervals (hours) that a DLM `CreateRule` accepts. */
export const DLM_INTERVAL_HOURS: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 24];
/** DLM keeps at most 1000 snapshots per schedule. */
export const DLM_MAX_RETAIN = 1000;
/** DLM copies to at most 3 regions per schedule. */
export const DLM_MAX_COPY_REGIONS = 3;

/** gp3 limits (EC2 CreateVolume, raised in 2025): size, IOPS and throughput bounds and ratios. */
export const GP3 = {
  minSizeGiB: 1,
  maxSizeGiB: 65536,
  minIops: 3000,
  maxIops: 80000,
  maxIopsPerGiB: 500,
  minThroughputMiBps: 125,
  maxThroughputMiBps: 2000,
  maxThroughputPerIops: 0.25,
};

/** RDS allocated storage bounds for gp3 (PostgreSQL and MySQL). */
export const RDS_STORAGE = { minGiB: 20, maxGiB: 65536 };

/** EC2 R5 variants accepted for dedicated database nodes. */
export const R5_INSTANCE_TYPE = /^r5(a|b|d|n|dn|ad)?\.(large|(\d{1,2})?xlarge|metal)$/;
/** RDS classes accepted for managed databases. */
export const RDS_R5_INSTANCE_CLASS = /^db\.r5(b|d)?\.(large|(\d{1,2})?xlarge)$/;

export const ENGINES_BY_PLATFORM = {
  ec2: ['postgres', 'mysql', 'couchbase'],
  rds: ['postgres', 'mysql'],
  k8s: ['postgres'],
} as const;
