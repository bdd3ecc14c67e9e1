import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { synthFlavorManifests } from '../../lib/k8s/flavor-manifests';
import { accountFor, type AccountMap } from '../../stacks/flavors-app';
import { readCdkContext } from '../cdk-context';
import type { CliIo } from '../cli-io';

export const K8S_USAGE = 'flavors k8s synth [--out dist/k8s] [--dir flavors]   write the k8s databases\' manifests per flavor region';

export function k8sCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { out: { type: 'string', default: 'dist/k8s' }, dir: { type: 'string', default: 'flavors' } },
  });
  if (positionals[0] !== 'synth' || positionals.length !== 1) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'flavors k8s synth', got 'flavors k8s ${positionals.join(' ')}'.\nusage: ${K8S_USAGE}`);
  }
  const accounts = (readCdkContext(io.cwd).accounts ?? {}) as AccountMap;
  const outdir = path.resolve(io.cwd, values.out);
  let written = 0;
  for (const flavor of loadFlavorsOrThrow(path.resolve(io.cwd, values.dir))) {
    const regions = synthFlavorManifests({ flavor, account: accountFor(accounts, flavor.name), outdir });
    for (const region of regions) io.out(`${path.relative(io.cwd, path.join(outdir, flavor.name, region))}/`);
    written += regions.length;
  }
  io.out(`${written} region manifest folder(s) written`);
  return 0;
}
