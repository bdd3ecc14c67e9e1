import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { cdcTargets, prepareCdc } from '../../lib/ops/cdc-prepare';
import { connectionResolver, DEFAULT_CONNECTIONS_FILE, loadConnectionsFile } from '../../lib/ops/connections';
import type { CliIo } from '../cli-io';
import { CDC_USAGE } from '../usage';

export async function cdcCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      database: { type: 'string' },
      connections: { type: 'string' },
      dir: { type: 'string', default: 'flavors' },
      execute: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] !== 'prepare' || positionals.length !== 2 || !values.region) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'flavors cdc prepare <flavor> --region <region>'.\nusage: ${CDC_USAGE}`);
  }
  const flavorsDir = path.resolve(io.cwd, values.dir);
  if (!fs.existsSync(flavorsDir))
    throw new FlavorsError(
      'OPS_FLAVORS_DIR_MISSING',
      `${values.dir}/ does not exist; run from the repository root or pass --dir <folder of flavor files>.`,
    );
  const flavor = loadFlavorsOrThrow(flavorsDir).find((f) => f.name === positionals[1]);
  if (!flavor) throw new FlavorsError('CLI_FLAVOR_UNKNOWN', `no flavor '${positionals[1]}' in ${values.dir}/; known flavors: run 'flavors list'.`);
  const targets = cdcTargets(flavor, values.region, values.database);
  const file = path.resolve(io.cwd, values.connections ?? DEFAULT_CONNECTIONS_FILE);
  const resolve = connectionResolver(loadConnectionsFile(file, { required: values.connections !== undefined }));
  io.out(
    `${values.execute ? 'Preparing' : 'Plan for'} CDC of ${flavor.name} ` +
      `in ${values.region}${values.execute ? '' : ' (nothing changes without --execute)'}:`,
  );
  for (const target of targets) {
    const r = await prepareCdc(target, resolve, { execute: values.execute });
    const verb = (action: string) => (action === 'exists' ? 'exists' : values.execute ? 'created' : 'will be created');
    io.out(
      `  ${target.flavor}/${target.region}/${target.database}: ` +
        `publication ${target.names.publication} ${verb(r.publication)}; slot ${target.names.slot} (pgoutput) ${verb(r.slot)}`,
    );
  }
  return 0;
}
