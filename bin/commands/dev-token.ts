import { parseArgs } from 'util';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { LOOKUP_DEFAULTS } from '../../lib/lookup/runtime/defaults';
import { DevIdentityIssuer } from '../../lib/lookup/runtime/dev-identity';
import type { CliIo } from '../cli-io';

export const DEV_TOKEN_USAGE =
  `flavors dev-token <userId> [--ttl ${LOOKUP_DEFAULTS.devIdentityTokenSeconds}] ` +
  `[--state-dir ${LOOKUP_DEFAULTS.devStateDir}]   a development identity token that lookup serve accepts`;

/** Prints only the token, so `$(flavors dev-token user-global)` can go straight into a header. */
export async function devTokenCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ttl: { type: 'string', default: String(LOOKUP_DEFAULTS.devIdentityTokenSeconds) },
      'state-dir': { type: 'string', default: LOOKUP_DEFAULTS.devStateDir },
    },
  });
  const [userId, ...extra] = positionals;
  if (!userId || extra.length > 0) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected: ${DEV_TOKEN_USAGE}`);
  const ttl = Number(values.ttl);
  if (!/^\d{1,6}$/.test(values.ttl) || ttl < 1 || ttl > 86400)
    throw new FlavorsError('CLI_BAD_ARGUMENTS', '--ttl must be a number of seconds from 1 to 86400.');
  const issuer = await DevIdentityIssuer.load(path.resolve(io.cwd, values['state-dir']));
  io.out(await issuer.mint(userId, { ttlSeconds: ttl }));
  return 0;
}
