// The `flavors` ops CLI. Reads argv and env here and passes values down; never prints a stack trace
// for a user error (FLAVORS_DEBUG=1 shows one for an unexpected failure).
import { FlavorsError } from '../lib/errors';
import { processIo, type CliIo, type Command } from './cli-io';
import * as u from './usage';

/**
 * A command: its usage line (bin/usage.ts, cheap) and its module, loaded only when the command runs, so
 * `flavors --help` and `flavors list` never load the AWS SDK, pg, cdk8s or aws-cdk-lib.
 */
interface CommandEntry {
  readonly usage: string;
  readonly load: () => Command;
}

// `require` (not `import`) so each module loads on first use; the `typeof import` keeps the types checked.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, CommandEntry> = {
  diff: { usage: u.DIFF_USAGE, load: () => (require('./commands/diff') as typeof import('./commands/diff')).diffCommand },
  k8s: { usage: u.K8S_USAGE, load: () => (require('./commands/k8s') as typeof import('./commands/k8s')).k8sCommand },
  list: { usage: u.LIST_USAGE, load: () => (require('./commands/list') as typeof import('./commands/list')).listCommand },
  scp: { usage: u.SCP_USAGE, load: () => (require('./commands/scp') as typeof import('./commands/scp')).scpCommand },
  validate: { usage: u.VALIDATE_USAGE, load: () => (require('./commands/validate') as typeof import('./commands/validate')).validateCommand },
  lookup: { usage: u.LOOKUP_USAGE, load: () => (require('./commands/lookup') as typeof import('./commands/lookup')).lookupCommand },
  client: { usage: u.CLIENT_USAGE, load: () => (require('./commands/client') as typeof import('./commands/client')).clientCommand },
  space: { usage: u.SPACE_USAGE, load: () => (require('./commands/space') as typeof import('./commands/space')).spaceCommand },
  grant: { usage: u.GRANT_USAGE, load: () => (require('./commands/grant') as typeof import('./commands/grant')).grantCommand },
  dr: { usage: u.DR_USAGE, load: () => (require('./commands/dr') as typeof import('./commands/dr')).drCommand },
  failover: { usage: u.FAILOVER_USAGE, load: () => (require('./commands/failover') as typeof import('./commands/failover')).failoverCommand },
  'dev-token': { usage: u.DEV_TOKEN_USAGE, load: () => (require('./commands/dev-token') as typeof import('./commands/dev-token')).devTokenCommand },
  schema: { usage: u.SCHEMA_USAGE, load: () => (require('./commands/schema') as typeof import('./commands/schema')).schemaCommand },
  db: { usage: u.DB_USAGE, load: () => (require('./commands/db') as typeof import('./commands/db')).dbCommand },
  portal: { usage: u.PORTAL_USAGE, load: () => (require('./commands/portal') as typeof import('./commands/portal')).portalCommand },
  'dev-replica': {
    usage: u.DEV_REPLICA_USAGE,
    load: () => (require('./commands/dev-replica') as typeof import('./commands/dev-replica')).devReplicaCommand,
  },
  cdc: { usage: u.CDC_USAGE, load: () => (require('./commands/cdc') as typeof import('./commands/cdc')).cdcCommand },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function usage(): string {
  return ['usage: flavors <command> [options]', '', ...Object.values(COMMANDS).map((command) => `  ${command.usage}`)].join('\n');
}

/**
 * util.parseArgs's errors, told by their code rather than `instanceof TypeError`: they are made in Node's own
 * realm, which is not the caller's under a vm-based runner such as jest, where runCli also runs.
 */
function isParseArgsError(err: unknown): err is { message: string } {
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`error CLI_UNKNOWN_COMMAND: unknown command '${name}'.\n${usage()}`);
    return 1;
  }
  try {
    return await command.load()(rest, io);
  } catch (err) {
    if (err instanceof FlavorsError) {
      io.err(`error ${err.code}: ${err.message}`);
    } else if (isParseArgsError(err)) {
      io.err(`error CLI_BAD_ARGUMENTS: ${err.message}\nusage: ${command.usage}`);
    } else {
      io.err(`error CLI_UNEXPECTED: ${err instanceof Error ? err.message : String(err)}`);
      if (io.env.FLAVORS_DEBUG === '1' && err instanceof Error) io.err(err.stack ?? '');
    }
    return 1;
  }
}

/** Runs the CLI on this process's argv and sets its exit code. */
export function main(): void {
  // `flavors list | head`: a reader that stops early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  // runCli reports every error itself and resolves with the exit code, so this promise never rejects.
  void runCli(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) main();
