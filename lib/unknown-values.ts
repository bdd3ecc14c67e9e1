/**
 * Reading values of unknown shape (parsed JSON, CloudFormation templates, caught errors): one
 * definition each, shared by the flavor model, the lookup records, the residency rules and ops.
 * Pure, no imports.
 */

/** A plain object (not null, not an array), to read fields of parsed input. */
export type Obj = Record<string, unknown>;

/** True for a plain object: not null and not an array. */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An AWS SDK (or any) error as one short clause for a warning or a report: `Name: message`. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
