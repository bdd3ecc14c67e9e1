/**
 * Defaults of CrossRegionSnapshotCopy; the area README's "Default settings" table lists them.
 * No aws-cdk-lib import: the ops tools (`flavors dr status`) read the RPO arithmetic from here too.
 */
export const SNAPSHOT_COPY_DEFAULTS = {
  /** UTC time of day the schedule is anchored to (DLM requires one). With hourly intervals it only sets the minute. */
  startTime: '00:00',
  /**
   * DLM starts each scheduled run "within a one-hour window following the specified time" (DLM API,
   * CreateRule.Times), so a snapshot can be up to 60 minutes later than its slot.
   */
  startWindowMinutes: 60,
  /**
   * Our planning estimate for an incremental snapshot to complete and its cross-region copy to land.
   * AWS publishes no bound for DLM copies; `flavors dr status` measures the real age per volume and
   * fails when it exceeds the RPO. Raise it for large first copies or busy volumes.
   */
  estimatedCopyMinutes: 60,
  /** Source volume tags are copied to snapshots and on to their cross-region copies (ops tools find them by tag). */
  copyTags: true,
} as const;

/** DLM keeps cross-region copies by age, at most 100 years (36500 days). */
export const DLM_MAX_COPY_RETAIN_DAYS = 36500;

/**
 * The single tag a flavor's DLM policy targets. DLM selects a resource when it carries ANY of the
 * policy's target tags, so "role=db-data AND flavor=X" cannot be written as two target tags (that
 * would snapshot — and copy — the db-data volumes of every flavor in the account and region).
 * The value is `<flavor>/db-data`; `DbDataSnapshotTags` sets it on the volumes.
 */
export const SNAPSHOT_TARGET_TAG_KEY = 'flavors:snapshot-target';

/** Tags DLM adds to every snapshot it creates (and, with CopyTags, to the copies). */
export const SNAPSHOT_TAGS = {
  /** Region the snapshot was taken in: copies keep it, so a restore knows where the data came from. */
  sourceRegion: 'flavors:snapshot-source-region',
  /** Flavor whose policy took the snapshot. */
  policyFlavor: 'flavors:snapshot-of',
} as const;

/** IAM path (without the leading '/') under which each flavor's DLM execution roles live: `flavors/dlm/<flavor>/`. */
export const SNAPSHOT_ROLE_PATH_PREFIX = 'flavors/dlm/';
