import type { DatabaseEngine, RegionRole } from '../../flavor/types';

/**
 * What a node's user data knows about itself and its fleet. Values may be deploy-time tokens
 * (CloudFormation fills them in), so an engine only places them into commands, never inspects them.
 */
export interface EngineNode {
  /** The database's name (the key in the flavor file), for log lines. */
  readonly databaseName: string;
  /** 0-based index of the node in its fleet; node 0 is the primary of a live cluster. */
  readonly index: number;
  readonly nodes: number;
  /**
   * `primary`: the live cluster of the flavor's primary region. `fallback`: a warm standby in a
   * fallback region — engine installed and configured, no cluster started; `flavors failover`
   * restores the data volumes from copied snapshots and starts it.
   */
  readonly role: RegionRole;
  /** Private IPv4 address of node 0; undefined on node 0 itself. */
  readonly primaryAddress?: string;
  /** CIDR block of the VPC: the only network clients and replicas connect from. */
  readonly vpcCidr: string;
  readonly region: string;
  /** Name of the Secrets Manager secret holding the engine password (letters and digits). */
  readonly secretName: string;
}

/** The install-and-configure part of a node's user data for one engine. */
export interface EngineUserData {
  readonly engine: DatabaseEngine;
  /** Packages the engine is installed from, for the README and the tests. */
  readonly packages: readonly string[];
  /**
   * Shell (bash) commands run after the data volume is mounted at `DATA_MOUNT` and the engine
   * password is in `$DB_PASSWORD`; `retry <tries> <pause-seconds> <command…>` is defined.
   */
  commands(node: EngineNode): string[];
}

/** Quotes a value for bash (single quotes); tokens pass through and are quoted the same way. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

export const FALLBACK_NOTE = [
  '# Warm standby (fallback region): the engine is installed and configured but not started.',
  "# 'flavors failover' attaches data volumes restored from the newest copied snapshots and starts it.",
];
