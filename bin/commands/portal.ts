import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { LOOKUP_DEFAULTS } from '../../lib/lookup/runtime/defaults';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import { requireId } from '../../lib/lookup/runtime/admin';
import { kubectlFor } from '../../lib/ops/dev-replica-kube';
import { OPS_DEFAULTS } from '../../lib/ops/defaults';
import { awsConnectionFallback } from '../../lib/ops/aws-connections';
import { connectionResolver, DEFAULT_CONNECTIONS_FILE, loadConnectionsFile } from '../../lib/ops/connections';
import { PORTAL_DEFAULTS } from '../../lib/portal/defaults';
import { librarySpaceMove } from '../../lib/portal/space-move-service';
import { startPortalServer } from '../../lib/portal/server';
import type { CliIo, Command } from '../cli-io';
import { hostedZoneIdFrom, resolveOpsDeps, type OpsDeps } from './ops-common';
import { portOption, untilStopped } from './serve-common';

export const PORTAL_USAGE =
  `flavors portal [--port ${PORTAL_DEFAULTS.port}] [--admin <userId>]... [--store <url>] [--table ${DEFAULT_LOOKUP_TABLE_NAME}] [--dir flavors] ` +
  `[--zone ${LOOKUP_DEFAULTS.endpointZone}] [--state-dir ${LOOKUP_DEFAULTS.devStateDir}] [--kube-context {region}] ` +
  `[--hosted-zone-id Z…] [--connections ${DEFAULT_CONNECTIONS_FILE}] [--json]   the self-service web portal on 127.0.0.1`;

/** `flavors portal`; `deps` lets tests pass mocked SDK clients. */
export function makePortalCommand(deps: OpsDeps = {}): Command {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        port: { type: 'string', default: String(PORTAL_DEFAULTS.port) },
        admin: { type: 'string', multiple: true },
        store: { type: 'string' },
        table: { type: 'string', default: DEFAULT_LOOKUP_TABLE_NAME },
        dir: { type: 'string', default: 'flavors' },
        zone: { type: 'string', default: LOOKUP_DEFAULTS.endpointZone },
        'state-dir': { type: 'string', default: LOOKUP_DEFAULTS.devStateDir },
        'kube-context': { type: 'string' },
        'hosted-zone-id': { type: 'string' },
        connections: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0)
      throw new FlavorsError('CLI_BAD_ARGUMENTS', `unexpected argument ${JSON.stringify(positionals[0])}; expected: ${PORTAL_USAGE}`);
    const admins = (values.admin ?? [...PORTAL_DEFAULTS.admins]).map((id) => requireId('userId', id));
    const flavorsDir = path.resolve(io.cwd, values.dir);
    if (!fs.existsSync(flavorsDir))
      throw new FlavorsError(
        'PORTAL_FLAVORS_DIR_MISSING',
        `--dir ${values.dir}: no such folder (${flavorsDir}); run in the repository root or pass --dir <flavors folder>.`,
      );
    const flavors = loadFlavorsOrThrow(flavorsDir);
    const { clientsFor, credentials, now } = resolveOpsDeps(deps);
    const stateDir = path.resolve(io.cwd, OPS_DEFAULTS.stateDir);
    const connections = loadConnectionsFile(path.resolve(io.cwd, values.connections ?? DEFAULT_CONNECTIONS_FILE), {
      required: values.connections !== undefined,
    });
    const fallback = awsConnectionFallback({
      flavors,
      rds: (region) => clientsFor(region).rds,
      secrets: (region) => clientsFor(region).secretsmanager,
    });
    const resolve = connectionResolver(connections, fallback);
    const stopped = untilStopped();
    const server = await startPortalServer({
      flavors,
      flavorsDir,
      admins: new Set(admins),
      endpointZone: values.zone,
      tableName: values.table,
      stateDir: path.resolve(io.cwd, values['state-dir']),
      port: portOption('port', values.port),
      storeEndpoint: values.store,
      ops: {
        clientsFor,
        credentials,
        now,
        credentialTimeoutMs: deps.credentialTimeoutMs,
        kubeFor: values['kube-context'] !== undefined ? kubectlFor(values['kube-context']) : undefined,
        hostedZoneId: hostedZoneIdFrom(values['hosted-zone-id'], io),
        stateDir,
        cwd: io.cwd,
      },
      spaceMoveFor: (table) => librarySpaceMove({ flavors, table, resolve, stateDir, now }),
      logError: (id, err) => io.err(`portal PORTAL_INTERNAL_ERROR ${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    try {
      if (values.json) {
        io.out(JSON.stringify({ event: 'ready', url: server.url, storeUrl: server.storeUrl, admins, seed: server.seed }));
      } else {
        io.out(`portal           ${server.url} (127.0.0.1 only)`);
        io.out(`store            ${server.storeUrl}${values.store ? '' : ' (dynalite in memory, seeded: gone when this stops)'}`);
        io.out(
          `sign in          ${server.url}/login as an admin (${admins.join(', ')}) or a seeded user (${
            server.seed.grants
              .map((g) => g.userId)
              .filter((u, i, a) => a.indexOf(u) === i)
              .join(', ') || 'none'
          })`,
        );
        io.out('Ctrl-C stops the portal.');
      }
      const signal = await stopped;
      io.err(`${signal}: stopping the portal${values.store ? '' : ' and its store'}`);
    } finally {
      await server.close();
    }
    return 0;
  };
}

export const portalCommand = makePortalCommand();
