import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { flavorScp } from '../../lib/residency/scp';
import type { CliIo } from '../cli-io';
import { SCP_USAGE } from '../usage';

export function scpCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { dir: { type: 'string', default: 'flavors' }, 'exempt-principal': { type: 'string', multiple: true, default: [] } },
  });
  if (positionals.length !== 1) throw new FlavorsError('CLI_BAD_ARGUMENTS', `name one flavor.\nusage: ${SCP_USAGE}`);
  const flavors = loadFlavorsOrThrow(path.resolve(io.cwd, values.dir));
  const flavor = flavors.find((f) => f.name === positionals[0]);
  if (!flavor) {
    throw new FlavorsError('CLI_FLAVOR_UNKNOWN', `no flavor '${positionals[0]}'; known flavors: ${flavors.map((f) => f.name).join(', ')}.`);
  }
  io.out(JSON.stringify(flavorScp(flavor, { exemptPrincipalArns: values['exempt-principal'] }), null, 2));
  return 0;
}
