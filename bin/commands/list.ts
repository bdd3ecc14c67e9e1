import { parseArgs } from 'util';
import * as path from 'path';
import { listFlavorFiles, loadFlavorFiles } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import type { CliIo } from '../cli-io';

function residency(flavor: Flavor): string {
  return flavor.residency === 'global' ? 'global' : flavor.residency.countries.join(', ');
}

export function listCommand(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...args],
    options: { dir: { type: 'string', default: 'flavors' }, json: { type: 'boolean', default: false } },
  });
  const dir = path.resolve(io.cwd, values.dir);
  const { flavors, problems } = loadFlavorFiles(listFlavorFiles(dir));
  const broken = problems.filter((p) => p.severity === 'error').length;
  if (values.json) {
    io.out(
      JSON.stringify(
        flavors.map(({ flavor }) => ({
          name: flavor.name,
          description: flavor.description,
          residency: flavor.residency,
          regions: flavor.regions,
          databases: Object.keys(flavor.databases),
        })),
        null,
        2,
      ),
    );
  } else {
    const rows = flavors.map(({ flavor }) => [flavor.name, residency(flavor), flavor.regions.map((r) => `${r.region} (${r.role})`).join(', ')]);
    const header = ['FLAVOR', 'RESIDENCY', 'REGIONS'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [header, ...rows]) io.out(row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  '));
  }
  if (broken > 0) {
    io.err(`${broken} flavor file problem(s) hide flavors from this list; run 'flavors validate' for details.`);
    return 1;
  }
  return 0;
}
