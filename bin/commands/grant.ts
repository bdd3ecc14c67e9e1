import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { grantSpace } from '../../lib/lookup/runtime/admin';
import type { CliIo } from '../cli-io';
import { STORE_OPTIONS, withAdmin } from './lookup-admin';
import { GRANT_USAGE } from '../usage';

export async function grantCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: STORE_OPTIONS });
  const [userId, spaceId, ...extra] = positionals;
  if (!userId || !spaceId || extra.length > 0) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected: ${GRANT_USAGE}`);
  const { grant, created } = await withAdmin(values, io, ({ admin }) => grantSpace(admin, { userId, spaceId }));
  if (values.json) io.out(JSON.stringify({ ...grant, created }));
  else
    io.out(created ? `granted ${grant.userId} space ${grant.spaceId}` : `${grant.userId} already holds a grant on ${grant.spaceId}; nothing written`);
  return 0;
}
