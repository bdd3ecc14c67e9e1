import { SNAPSHOT_COPY_DEFAULTS } from './defaults';

/** The recovery point objective a snapshot schedule implies, reported rather than hidden. */
export interface SnapshotRpo {
  /** Hours between scheduled snapshots. */
  readonly intervalHours: number;
  /** How late DLM may start a scheduled run (its documented one-hour window). */
  readonly startWindowMinutes: number;
  /** Estimated time for a snapshot to complete and its cross-region copy to land; 0 without copies. */
  readonly estimatedCopyMinutes: number;
  /**
   * Worst-case age of the newest usable snapshot: interval + start window + copy time. When a region
   * is lost just before a copy lands, the newest copy holds data from one (late-started) run earlier.
   */
  readonly rpoMinutes: number;
}

/**
 * The RPO of a DLM schedule. Pure, so the ops tools compare measured snapshot ages against the very
 * number the construct reports.
 */
export function snapshotRpo(
  intervalHours: number,
  hasCopies: boolean,
  estimatedCopyMinutes: number = SNAPSHOT_COPY_DEFAULTS.estimatedCopyMinutes,
): SnapshotRpo {
  const copy = hasCopies ? estimatedCopyMinutes : 0;
  const startWindowMinutes = SNAPSHOT_COPY_DEFAULTS.startWindowMinutes;
  return { intervalHours, startWindowMinutes, estimatedCopyMinutes: copy, rpoMinutes: intervalHours * 60 + startWindowMinutes + copy };
}
