// The `flavors` ops CLI. Reads argv and env here and passes values down; never prints a stack trace
// for a user error (FLAVORS_DEBUG=1 shows one for an unexpected failure).
import { FlavorsError } from '../lib/errors';
import { processIo, type CliIo, type Command } from './cli-io';

/** A command module, loaded only when its command runs: `flavors list` never loads the AWS SDK, cdk8s or esbuild. */
interface CommandEntry {
  readonly run: Command;
  readonly usage: string;
}

// `require` (not `import`) so each module loads on first use; the `typeof import` keeps the types checked.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => CommandEntry> = {
  diff: () => {
    const m = require('./commands/diff') as typeof import('./commands/diff');
    return { run: m.diffCommand, usage: m.DIFF_USAGE };
  },
  k8s: () => {
    const m = require('./commands/k8s') as typeof import('./commands/k8s');
    return { run: m.k8sCommand, usage: m.K8S_USAGE };
  },
  list: () => {
    const m = require('./commands/list') as typeof import('./commands/list');
    return { run: m.listCommand, usage: m.LIST_USAGE };
  },
  scp: () => {
    const m = require('./commands/scp') as typeof import('./commands/scp');
    return { run: m.scpCommand, usage: m.SCP_USAGE };
  },
  validate: () => {
    const m = require('./commands/validate') as typeof import('./commands/validate');
    return { run: m.validateCommand, usage: m.VALIDATE_USAGE };
  },
  lookup: () => {
    const m = require('./commands/lookup') as typeof import('./commands/lookup');
    return { run: m.lookupCommand, usage: m.LOOKUP_USAGE };
  },
  client: () => {
    const m = require('./commands/client') as typeof import('./commands/client');
    return { run: m.clientCommand, usage: m.CLIENT_USAGE };
  },
  space: () => {
    const m = require('./commands/space') as typeof import('./commands/space');
    return { run: m.spaceCommand, usage: m.SPACE_USAGE };
  },
  grant: () => {
    const m = require('./commands/grant') as typeof import('./commands/grant');
    return { run: m.grantCommand, usage: m.GRANT_USAGE };
  },
  dr: () => {
    const m = require('./commands/dr') as typeof import('./commands/dr');
    return { run: m.drCommand, usage: m.DR_USAGE };
  },
  failover: () => {
    const m = require('./commands/failover') as typeof import('./commands/failover');
    return { run: m.failoverCommand, usage: m.FAILOVER_USAGE };
  },
  'dev-token': () => {
    const m = require('./commands/dev-token') as typeof import('./commands/dev-token');
    return { run: m.devTokenCommand, usage: m.DEV_TOKEN_USAGE };
  },
  schema: () => {
    const m = require('./commands/schema') as typeof import('./commands/schema');
    return { run: m.schemaCommand, usage: m.SCHEMA_USAGE };
  },
  db: () => {
    const m = require('./commands/db') as typeof import('./commands/db');
    return { run: m.dbCommand, usage: m.DB_USAGE };
  },
  portal: () => {
    const m = require('./commands/portal') as typeof import('./commands/portal');
    return { run: m.portalCommand, usage: m.PORTAL_USAGE };
  },
  'dev-replica': () => {
    const m = require('./commands/dev-replica') as typeof import('./commands/dev-replica');
    return { run: m.devReplicaCommand, usage: m.DEV_REPLICA_USAGE };
  },
  cdc: () => {
    const m = require('./commands/cdc') as typeof import('./commands/cdc');
    return { run: m.cdcCommand, usage: m.CDC_USAGE };
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function usage(): string {
  return ['usage: flavors <command> [options]', '', ...Object.values(COMMANDS).map((load) => `  ${load().usage}`)].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`error CLI_UNKNOWN_COMMAND: unknown command '${name}'.\n${usage()}`);
    return 1;
  }
  const command = load();
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof FlavorsError) {
      io.err(`error ${err.code}: ${err.message}`);
    } else if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
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
