import type { Problem } from '../errors';

/** What the parent sends the flavor-loading child: each file's bundled code and the time limit per file. */
export interface SandboxInput {
  readonly timeoutMs: number;
  readonly files: readonly { readonly file: string; readonly code: string }[];
}

/** What loading one file in the child came to. */
export type SandboxOutcome =
  /** The default export, copied as plain data, and what could not be copied. */
  | { readonly kind: 'value'; readonly value: unknown; readonly problems: readonly Problem[] }
  /** `defineFlavor` threw at import: its problems. */
  | { readonly kind: 'flavor-error'; readonly problems: readonly Problem[] }
  /** The file tried a network connection, a file write, a process or a forbidden import. */
  | { readonly kind: 'side-effect'; readonly message: string }
  | { readonly kind: 'threw'; readonly message: string }
  | { readonly kind: 'timeout' };

/** Marks the child's result lines on stdout. */
export const SANDBOX_LINE_PREFIX = '@@flavor-sandbox ';
