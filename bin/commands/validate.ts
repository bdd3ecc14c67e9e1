import { parseArgs } from 'util';
import * as path from 'path';
import { formatProblem, listFlavorFiles, loadFlavorFiles } from '../../lib/flavor/load-flavors';
import type { CliIo } from '../cli-io';

export function validateCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { dir: { type: 'string', default: 'flavors' } } });
  const files = positionals.length > 0 ? positionals : listFlavorFiles(path.resolve(io.cwd, values.dir)).map((f) => path.relative(io.cwd, f));
  // Report paths as the user typed them; load from the absolute path.
  const { problems } = loadFlavorFiles(files.map((f) => path.resolve(io.cwd, f)));
  const shown = problems.map((p) => ({ ...p, file: path.relative(io.cwd, p.file) || p.file }));
  for (const p of shown) io.out(formatProblem(p));
  const errors = shown.filter((p) => p.severity === 'error').length;
  const warnings = shown.length - errors;
  io.out(`${files.length} flavor file(s) checked: ${errors} error(s), ${warnings} warning(s)`);
  return errors > 0 ? 1 : 0;
}
