import { snapshotCopyDestinations } from '../backup/copy-destinations';
import { snapshotRpo } from '../backup/rpo';
import type { Flavor } from '../flavor/types';

/**
 * The recovery point objective the ops tools hold restore points to: the same arithmetic the
 * snapshot construct reports (lib/backup/rpo.ts): interval + DLM's start window + copy estimate.
 */
export interface Rpo {
  readonly minutes: number;
  readonly intervalHours: number;
  readonly startWindowMinutes: number;
  /** 0 for a flavor whose snapshots are not copied. */
  readonly copyMinutes: number;
}

/**
 * Regions the current primary's snapshots are copied to, as the backup construct configures them
 * (after a failover, a fallback region copies back to the flavor's primary and the other destinations).
 */
export function copyRegions(flavor: Flavor, primary: string): string[] {
  return snapshotCopyDestinations(flavor, primary);
}

export function rpoOf(flavor: Flavor, primary: string = flavor.primaryRegion, estimatedCopyMinutes?: number): Rpo {
  const r = snapshotRpo(flavor.backup.intervalHours, copyRegions(flavor, primary).length > 0, estimatedCopyMinutes);
  return { minutes: r.rpoMinutes, intervalHours: r.intervalHours, startWindowMinutes: r.startWindowMinutes, copyMinutes: r.estimatedCopyMinutes };
}

export function describeRpo(rpo: Rpo): string {
  return (
    `RPO ${formatMinutes(rpo.minutes)} (snapshot every ${rpo.intervalHours}h + ${formatMinutes(rpo.startWindowMinutes)} DLM start window` +
    `${rpo.copyMinutes ? ` + ${formatMinutes(rpo.copyMinutes)} copy estimate` : ''})`
  );
}

/** Whole minutes between two instants (never negative: clocks may disagree by a little). */
export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60000));
}

/** `45m`, `1h45m`, `2d3h`. */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m}m`;
  if (m < 48 * 60) return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
  const h = Math.floor(m / 60);
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}
