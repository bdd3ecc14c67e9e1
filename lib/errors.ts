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

function describe(problems: readonly Problem[], source: string | undefined): string {
  const lines = problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${source ? `${source}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.code}: ${p.message}`);
  return lines.join('\n');
}

/** A flavor definition is invalid. Lists every problem found, not only the first. */
export class FlavorError extends FlavorsError {
  constructor(
    public readonly problems: readonly Problem[],
    /** The flavor's name or file, when known. */
    public readonly source?: string,
  ) {
    super(problems.find((p) => p.severity === 'error')?.code ?? 'FLAVOR_INVALID', describe(problems, source));
  }
}

/** A client or space policy tries to widen residency or weaken safety relative to a level above it. */
export class PolicyError extends FlavorsError {
  constructor(public readonly problems: readonly Problem[]) {
    super(problems[0]?.code ?? 'POLICY_INVALID', describe(problems, undefined));
  }
}
