import { parseArgs } from 'util';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { LOOKUP_DEFAULTS } from '../../lib/lookup/runtime/defaults';
import { DEV_IDENTITY_JWKS_PATH, startLookupDevServer, type LookupDevServer } from '../../lib/lookup/runtime/dev-server';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import type { CliIo } from '../cli-io';
import { portOption, untilStopped } from './serve-common';
import { LOOKUP_USAGE } from '../usage';

/** A seeded grant to show off: the first space of a client with several spaces (a multi-region flavor), if any. */
function sampleGrant(server: LookupDevServer): { userId: string; spaceId: string } | undefined {
  const { grants, spaces } = server.seed;
  const shown = spaces.find((s) => spaces.filter((o) => o.clientId === s.clientId).length > 1);
  return grants.find((g) => g.spaceId === shown?.spaceId) ?? grants[0];
}

function printReady(server: LookupDevServer, sampleToken: string | undefined, io: CliIo): void {
  const sample = sampleGrant(server);
  const routeUrl = sample ? `${server.url}/v1/spaces/${sample.spaceId}/route` : `${server.url}/v1/spaces/<spaceId>/route`;
  const lines = [
    `lookup service   ${server.url}`,
    `  route          GET ${server.url}/v1/spaces/{spaceId}/route`,
    `  flavor keys    ${server.url}/.well-known/jwks.json`,
    `  dev identity   ${server.url}${DEV_IDENTITY_JWKS_PATH} (issuer ${server.devIdentity.issuer})`,
    `store            ${server.storeUrl} (table ${server.tableName}${server.embeddedStore ? ', dynalite in memory: gone when this stops' : ''})`,
  ];
  if (server.seed.spaces.length > 0) {
    lines.push(`seeded           ${server.seed.clients.length} clients, ${server.seed.spaces.length} spaces, ${server.seed.grants.length} grants:`);
    for (const space of server.seed.spaces) {
      const users = server.seed.grants
        .filter((g) => g.spaceId === space.spaceId)
        .map((g) => g.userId)
        .join(', ');
      lines.push(`  ${space.spaceId.padEnd(26)} client ${space.clientId.padEnd(22)} users ${users}`);
    }
  }
  if (sample && sampleToken) {
    lines.push(
      'try it (the dev token below is for a seeded user and lasts an hour):',
      `  curl -s -H "Authorization: Bearer ${sampleToken}" ${routeUrl}`,
      `  or: curl -s -H "Authorization: Bearer $(node bin/flavors.js dev-token ${sample.userId})" ${routeUrl}`,
    );
  }
  lines.push('admin:            node bin/flavors.js client create|space create|space show|grant ... (same store)', 'Ctrl-C stops the server.');
  for (const line of lines) io.out(line);
}

/** What `lookup serve` takes from its surroundings; tests pass their own. */
export interface LookupCommandDeps {
  /** Resolves with the signal's name once the server should stop. @default the first SIGINT or SIGTERM */
  readonly untilStopped?: () => Promise<string>;
}

export function makeLookupCommand(deps: LookupCommandDeps = {}): (args: readonly string[], io: CliIo) => Promise<number> {
  return (args, io) => lookup(args, io, deps.untilStopped ?? untilStopped);
}

export const lookupCommand = makeLookupCommand();

async function lookup(args: readonly string[], io: CliIo, whenStopped: () => Promise<string>): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'serve')
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `unknown lookup action ${JSON.stringify(action ?? '')}; expected: ${LOOKUP_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: String(LOOKUP_DEFAULTS.devPort) },
      'store-port': { type: 'string', default: String(LOOKUP_DEFAULTS.devStorePort) },
      store: { type: 'string' },
      table: { type: 'string', default: DEFAULT_LOOKUP_TABLE_NAME },
      dir: { type: 'string', default: 'flavors' },
      zone: { type: 'string', default: LOOKUP_DEFAULTS.endpointZone },
      'state-dir': { type: 'string', default: LOOKUP_DEFAULTS.devStateDir },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0)
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `unexpected argument ${JSON.stringify(positionals[0])}; expected: ${LOOKUP_USAGE}`);
  const flavors = loadFlavorsOrThrow(path.resolve(io.cwd, values.dir));
  const stopped = whenStopped();
  const server = await startLookupDevServer({
    flavors,
    stateDir: path.resolve(io.cwd, values['state-dir']),
    port: portOption('port', values.port),
    storePort: portOption('store-port', values['store-port']),
    storeEndpoint: values.store,
    tableName: values.table,
    endpointZone: values.zone,
    log: (entry) => io.err(`lookup ${entry.code}${entry.spaceId ? ` space=${entry.spaceId}` : ''}: ${entry.message}`),
  });
  try {
    const sample = sampleGrant(server);
    const token = sample ? await server.devIdentity.mint(sample.userId) : undefined;
    if (values.json) {
      io.out(
        JSON.stringify({
          event: 'ready',
          url: server.url,
          storeUrl: server.storeUrl,
          tableName: server.tableName,
          seed: server.seed,
          sample,
          sampleToken: token,
        }),
      );
    } else {
      printReady(server, token, io);
    }
    const signal = await stopped;
    io.err(`${signal}: stopping the lookup service${server.embeddedStore ? ' and its store' : ''}`);
  } finally {
    await server.close();
  }
  return 0;
}
