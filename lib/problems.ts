import { PropsError, type Problem } from './errors';

/**
 * The one way to report bad props, files and records: collect every problem (field path, stable
 * code, a sentence saying what to do), then throw one `PropsError` that keeps the list. Arguments
 * go in the order they are printed: `path: CODE: message`.
 *
 * ```ts
 * const problems = new Problems();
 * if (azs.length < 2) problems.error('availabilityZones', 'VPC_AZS_TOO_FEW', `needs at least 2 zones, got ${azs.length}.`);
 * problems.throwIfAny(`RegionalVpc ${this.node.path}`);
 * ```
 */
export class Problems {
  private readonly found: Problem[] = [];

  /** Every problem so far, errors and warnings, in the order found. */
  get all(): readonly Problem[] {
    return this.found;
  }

  /** The errors so far (what `throwIfAny` throws on). */
  get errors(): readonly Problem[] {
    return this.found.filter((p) => p.severity === 'error');
  }

  /** Something that stops synth or a write: `path` names the field (empty for the whole object). */
  error(path: string, code: string, message: string): void {
    this.found.push({ code, path, message, severity: 'error' });
  }

  /** Something a person should know that lets the input pass. */
  warning(path: string, code: string, message: string): void {
    this.found.push({ code, path, message, severity: 'warning' });
  }

  /** Adds problems found by another check (e.g. the flavor model's `validateRdsDatabase`). */
  add(problems: readonly Problem[]): void {
    this.found.push(...problems);
  }

  /**
   * Throws one `PropsError` carrying every error (warnings are left out) when there is any.
   * @param source what was checked, printed before each line (`ManagedDatabase Stack/Reports`)
   * @param code the error's code @default the first error's code
   */
  throwIfAny(source?: string, code?: string): void {
    const errors = this.errors;
    if (errors.length > 0) throw new PropsError(errors, source, code);
  }
}
