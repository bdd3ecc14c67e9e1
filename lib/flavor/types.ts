/**
 * The flavor file format. These field names are a public contract: other teams write flavor files
 * against them, so a rename is a breaking change.
 */

export type RegionRole = 'primary' | 'fallback';
export type DatabaseEngine = 'postgres' | 'mysql' | 'couchbase';
export type FailoverMode = 'automatic' | 'manual';

/** `'global'` places no country constraint; otherwise every region must lie in one of `countries`. */
export type ResidencySpec = 'global' | { readonly countries: readonly string[] };

export interface FlavorRegionSpec {
  readonly region: string;
  readonly role: RegionRole;
}

export interface VolumeSpec {
  readonly sizeGiB: number;
  /** @default 'gp3' */
  readonly type?: 'gp3';
  /** @default 3000 (gp3 baseline) */
  readonly iops?: number;
  /** @default 125 (gp3 baseline) */
  readonly throughputMiBps?: number;
}

/** Dedicated EC2 R5 nodes with data on EBS volumes. */
export interface Ec2DatabaseSpec {
  readonly platform: 'ec2';
  readonly engine: DatabaseEngine;
  /** An R5 family type (`r5`, `r5a`, `r5b`, `r5d`, `r5n`, `r5dn`, `r5ad`), e.g. `r5.xlarge`. */
  readonly instanceType: string;
  readonly nodes: number;
  readonly volume: VolumeSpec;
}

/** A CloudNativePG cluster on the region's Kubernetes cluster. */
export interface K8sDatabaseSpec {
  readonly platform: 'k8s';
  readonly engine: 'postgres';
  readonly instances: number;
  readonly storageGiB: number;
}

/** Amazon RDS, Multi-AZ, on a `db.r5.*` class. */
export interface RdsDatabaseSpec {
  readonly platform: 'rds';
  readonly engine: 'postgres' | 'mysql';
  readonly instanceType: string;
  readonly storageGiB: number;
}

export type DatabaseSpec = Ec2DatabaseSpec | K8sDatabaseSpec | RdsDatabaseSpec;

export interface BackupSpec {
  /** Hours between snapshots; one of the intervals DLM supports. @default 24 */
  readonly intervalHours?: number;
  /** Snapshots kept per volume and region. @default 7 */
  readonly retain?: number;
  /** Where snapshots are copied: the flavor's fallback regions, or an explicit list of its own regions. @default 'fallbacks' */
  readonly copyTo?: 'fallbacks' | readonly string[];
}

export interface FailoverSpec {
  /** DNS failover of stateless endpoints. @default 'automatic' */
  readonly dns?: FailoverMode;
  /** Database promotion; only `manual` (an explicit `flavors failover --execute`) is supported. @default 'manual' */
  readonly database?: FailoverMode;
}

/** What a flavor file default-exports through `defineFlavor`. */
export interface FlavorSpec {
  /** kebab-case, unique across flavors; equals the file name without `.ts`. */
  readonly name: string;
  readonly description?: string;
  readonly residency: ResidencySpec;
  readonly regions: readonly FlavorRegionSpec[];
  /** Keyed by a stable name that becomes the construct id: renaming one replaces it. @default {} */
  readonly databases?: Readonly<Record<string, DatabaseSpec>>;
  readonly backup?: BackupSpec;
  readonly failover?: FailoverSpec;
}

/** A validated flavor with every default filled in. */
export interface Flavor {
  readonly name: string;
  readonly description: string;
  readonly residency: ResidencySpec;
  readonly regions: readonly FlavorRegionSpec[];
  readonly primaryRegion: string;
  readonly fallbackRegions: readonly string[];
  readonly databases: Readonly<Record<string, DatabaseSpec>>;
  readonly backup: {
    readonly intervalHours: number;
    readonly retain: number;
    /** Resolved copy destinations (never the region the snapshot is taken in). */
    readonly copyTo: 'fallbacks' | readonly string[];
  };
  readonly failover: Required<FailoverSpec>;
  /** Non-fatal findings, e.g. a single-region flavor that cannot fail over to another region. */
  readonly warnings: readonly import('../errors').Problem[];
}
