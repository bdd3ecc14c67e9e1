import { parseArgs } from 'util';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { formatProblem, listFlavorFiles, loadFlavorFiles } from '../../lib/flavor/load-flavors';
import { SANDBOX_DEFAULTS } from '../../lib/flavor/sandbox-load';
import type { CliIo } from '../cli-io';

/** `--file-timeout-ms`: a whole number of ms the sandbox can apply. */
function fileTimeoutMs(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1 || ms > SANDBOX_DEFAULTS.maxFileTimeoutMs) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `--file-timeout-ms must be a whole number of ms from 1 to ${SANDBOX_DEFAULTS.maxFileTimeoutMs}.`);
  }
  return ms;
}

export function validateCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: 'flavors' },
      'file-timeout-ms': { type: 'string', default: String(SANDBOX_DEFAULTS.fileTimeoutMs) },
    },
  });
  const limit = fileTimeoutMs(values['file-timeout-ms']);
  const files = positionals.length > 0 ? positionals : listFlavorFiles(path.resolve(io.cwd, values.dir)).map((f) => path.relative(io.cwd, f));
  // Report paths as the user typed them; load from the absolute path.
  const absolute = files.map((f) => path.resolve(io.cwd, f));
  const { problems } = loadFlavorFiles(absolute, { fileTimeoutMs: limit });
  const shown = problems.map((p) => ({ ...p, file: path.relative(io.cwd, p.file) || p.file }));
  for (const p of shown) io.out(formatProblem(p));
  const errors = shown.filter((p) => p.severity === 'error').length;
  const warnings = shown.length - errors;
  io.out(`${files.length} flavor file(s) checked: ${errors} error(s), ${warnings} warning(s)`);
  return errors > 0 ? 1 : 0;
}
