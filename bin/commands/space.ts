import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { createSpace, describeSpace } from '../../lib/lookup/runtime/admin';
import type { CliIo } from '../cli-io';
import { POLICY_OPTIONS, policyFromFlags, STORE_OPTIONS, withAdmin } from './lookup-admin';
import { SPACE_USAGE } from '../usage';

async function create(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...STORE_OPTIONS, ...POLICY_OPTIONS, client: { type: 'string' } },
  });
  const [spaceId, ...extra] = positionals;
  if (!spaceId || extra.length > 0) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected: ${SPACE_USAGE.split('\n')[0]}`);
  if (!values.client) throw new FlavorsError('CLI_BAD_ARGUMENTS', '--client <clientId> is required: the client that owns the space.');
  const policy = policyFromFlags(values);
  const { space, route } = await withAdmin(values, io, ({ admin, zone }) => createSpace(admin, { spaceId, clientId: values.client!, policy }, zone));
  if (values.json) {
    io.out(JSON.stringify({ space, route }));
  } else {
    io.out(
      `created space ${space.spaceId} of client ${space.clientId}: flavor ${route.flavor}, home ${route.homeRegion}, ` +
        `fallbacks ${route.fallbacks.join(', ') || 'none'}, epoch ${route.epoch}`,
    );
  }
  return 0;
}

async function show(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: STORE_OPTIONS });
  const [spaceId, ...extra] = positionals;
  if (!spaceId || extra.length > 0) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected: ${SPACE_USAGE.split('\n')[1].trim()}`);
  const description = await withAdmin(values, io, ({ admin, zone }) => describeSpace(admin, spaceId, zone));
  io.out(JSON.stringify(description, null, values.json ? undefined : 2));
  if (description.routeError) {
    io.err(`error ${description.routeError.code}: ${description.routeError.message}`);
    return 1;
  }
  return 0;
}

/** `space move` loads its module (pg, SDK clients) only when it runs: `space create` and `show` need the lookup table only. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use; `typeof import` keeps the type checked
const move = (args: readonly string[], io: CliIo) => (require('./space-move') as typeof import('./space-move')).spaceMoveCommand(args, io);

const ACTIONS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = { create, show, move };

export async function spaceCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const run = action ? ACTIONS[action] : undefined;
  if (!run) throw new FlavorsError('CLI_BAD_ARGUMENTS', `unknown space action ${JSON.stringify(action ?? '')}; expected:\n  ${SPACE_USAGE}`);
  return run(rest, io);
}
