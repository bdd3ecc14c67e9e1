/** Where a command writes; tests pass buffers, the CLI passes the process streams. */
export interface CliIo {
  // Function-typed properties, not methods: commands pass `io.out` around as a logger, which a method's `this` would forbid.
  out: (line: string) => void;
  err: (line: string) => void;
  /** Working directory that relative paths resolve against. */
  readonly cwd: string;
  /** Environment (read here, in bin/, and passed down as values). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
  env: process.env,
};

/** A command: parsed arguments in, exit code out. Throwing a FlavorsError is the other way to fail. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number> | number;
