/**
 * Errors of the flavors project. Every user-facing failure carries a stable code so that scripts,
 * CI and people can act on it; messages say what was wrong, where, and what to do.
 */

/** How bad a problem is: errors stop synth and deploys, warnings are printed and let pass. */
export type Severity = 'error' | 'warning';

/** One finding of a validation: a stable code, the field path it concerns and an actionable sentence. */
export interface Problem {
  readonly code: string;
  /** Field path inside the checked object, e.g. `regions[1].region`; empty for the whole object. */
  readonly path: string;
  readonly message: string;
  readonly severity: Severity;
}

/** Base class: an error with a stable code that the CLI prints without a stack trace. */
export class FlavorsError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Props, a file or a record are invalid: carries every problem found (code, path, message,
 * severity), not only the first, and prints each error as one `source: path: CODE: message` line.
 * Build one with the `Problems` collector of `lib/problems.ts`.
 */
export class PropsError extends FlavorsError {
  constructor(
    public readonly problems: readonly Problem[],
    /** What was checked (`RegionalVpc Stack/Network`, a flavor's file), when known. */
    public readonly source?: string,
    /** The error's code. @default the code of the first error */
    code?: string,
  ) {
    super(code ?? problems.find((p) => p.severity === 'error')?.code ?? 'PROPS_INVALID', describeProblems(problems, source));
  }
}

/** One line per error: `source: path: CODE: message` (source and path left out when empty). */
function describeProblems(problems: readonly Problem[], source?: string): string {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${source ? `${source}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.code}: ${p.message}`)
    .join('\n');
}

/** A flavor definition (a file of `flavors/`) is invalid. Lists every problem found, not only the first. */
export class FlavorDefinitionError extends PropsError {
  constructor(problems: readonly Problem[], /** The flavor's name or file, when known. */ source?: string) {
    super(problems, source, problems.find((p) => p.severity === 'error')?.code ?? 'FLAVOR_INVALID');
  }
}

/** A client or space policy tries to widen residency or weaken safety relative to a level above it. */
export class PolicyError extends PropsError {
  constructor(problems: readonly Problem[]) {
    super(problems, undefined, problems[0]?.code ?? 'POLICY_INVALID');
  }
}
