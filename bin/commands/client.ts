import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { createClient } from '../../lib/lookup/runtime/admin';
import type { CliIo } from '../cli-io';
import { POLICY_OPTIONS, POLICY_USAGE, policyFromFlags, STORE_OPTIONS, STORE_USAGE, withAdmin } from './lookup-admin';

export const CLIENT_USAGE =
  `flavors client create <clientId> --flavor ` + `<flavor> ${POLICY_USAGE} ${STORE_USAGE}   add a client (licence) to the lookup table`;

export async function clientCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...STORE_OPTIONS, ...POLICY_OPTIONS, flavor: { type: 'string' } },
  });
  const [action, clientId, ...extra] = positionals;
  if (action !== 'create' || !clientId || extra.length > 0) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected: ${CLIENT_USAGE}`);
  }
  if (!values.flavor) throw new FlavorsError('CLI_BAD_ARGUMENTS', '--flavor <flavor> is required: the flavor the client lives in.');
  const policy = policyFromFlags(values);
  const record = await withAdmin(values, io, ({ admin }) => createClient(admin, { clientId, flavor: values.flavor!, policy }));
  if (values.json) io.out(JSON.stringify(record));
  else io.out(`created client ${record.clientId} in flavor ${record.flavor}${record.policy ? ` (policy ${JSON.stringify(record.policy)})` : ''}`);
  return 0;
}
