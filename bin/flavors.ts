// The `flavors` ops CLI. Reads argv and env here and passes values down; never prints a stack trace
// for a user error (FLAVORS_DEBUG=1 shows one for an unexpected failure).
import { FlavorsError } from '../lib/errors';
import { processIo, type CliIo, type Command } from './cli-io';
import { diffCommand, DIFF_USAGE } from './commands/diff';
import { k8sCommand, K8S_USAGE } from './commands/k8s';
import { listCommand, LIST_USAGE } from './commands/list';
import { scpCommand, SCP_USAGE } from './commands/scp';
import { validateCommand, VALIDATE_USAGE } from './commands/validate';
import { clientCommand, CLIENT_USAGE } from './commands/client';
import { devTokenCommand, DEV_TOKEN_USAGE } from './commands/dev-token';
import { grantCommand, GRANT_USAGE } from './commands/grant';
import { lookupCommand, LOOKUP_USAGE } from './commands/lookup';
import { spaceCommand, SPACE_USAGE } from './commands/space';
import { drCommand, DR_USAGE } from './commands/dr';
import { failoverCommand, FAILOVER_USAGE } from './commands/failover';
import { devReplicaCommand, DEV_REPLICA_USAGE } from './commands/dev-replica';

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  diff: { run: diffCommand, usage: DIFF_USAGE },
  k8s: { run: k8sCommand, usage: K8S_USAGE },
  list: { run: listCommand, usage: LIST_USAGE },
  scp: { run: scpCommand, usage: SCP_USAGE },
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  lookup: { run: lookupCommand, usage: LOOKUP_USAGE },
  client: { run: clientCommand, usage: CLIENT_USAGE },
  space: { run: spaceCommand, usage: SPACE_USAGE },
  grant: { run: grantCommand, usage: GRANT_USAGE },
  dr: { run: drCommand, usage: DR_USAGE },
  failover: { run: failoverCommand, usage: FAILOVER_USAGE },
  'dev-token': { run: devTokenCommand, usage: DEV_TOKEN_USAGE },
  'dev-replica': { run: devReplicaCommand, usage: DEV_REPLICA_USAGE },
};

export function usage(): string {
  return ['usage: flavors <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`error CLI_UNKNOWN_COMMAND: unknown command '${name}'.\n${usage()}`);
    return 1;
  }
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
  runCli(process.argv.slice(2), processIo).then((code) => { process.exitCode = code; });
}

if (require.main === module) main();
