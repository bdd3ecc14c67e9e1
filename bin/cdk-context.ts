import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../lib/errors';

/** The `context` of the project's cdk.json (accounts, dns, control plane), read by CLI commands in bin/. */
export function readCdkContext(cwd: string): Record<string, unknown> {
  const file = path.join(cwd, 'cdk.json');
  if (!fs.existsSync(file)) return {};
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf-8')) as { context?: Record<string, unknown> }).context ?? {};
  } catch (err) {
    throw new FlavorsError('CLI_CDK_JSON_INVALID', `${file} is not valid JSON (${(err as Error).message}); fix it or run from another folder.`);
  }
}
