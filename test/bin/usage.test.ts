import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import { DEFAULT_CONNECTIONS_FILE } from '../../lib/ops/connections';
import { DEFAULT_SPACE_COLUMN } from '../../lib/ops/space-move-plan';
import type { CliIo } from '../../bin/cli-io';
import { DEFAULT_STORE_URL, FAILOVER_USAGE, PORTAL_USAGE, SPACE_MOVE_USAGE, STORE_USAGE } from '../../bin/usage';

const COMMANDS = path.join(__dirname, '..', '..', 'bin', 'commands');

describe('bin/usage.ts', () => {
  test('the defaults it spells out are those of the modules that own them', () => {
    expect(SPACE_MOVE_USAGE).toContain(`[--connections ${DEFAULT_CONNECTIONS_FILE}]`);
    expect(SPACE_MOVE_USAGE).toContain(`[--space-column ${DEFAULT_SPACE_COLUMN}]`);
    expect(FAILOVER_USAGE).toContain(`[--connections ${DEFAULT_CONNECTIONS_FILE}]`);
    expect(PORTAL_USAGE).toContain(`[--connections ${DEFAULT_CONNECTIONS_FILE}]`);
    expect(STORE_USAGE).toBe(`[--store ${DEFAULT_STORE_URL}] [--table ${DEFAULT_LOOKUP_TABLE_NAME}] [--json]`);
  });
});

describe('what the CLI loads', () => {
  // Every command module, watched: requiring one records its name (and then loads the real module).
  const loaded: string[] = [];
  const names = fs
    .readdirSync(COMMANDS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.basename(f, '.ts'));
  for (const name of names) {
    jest.doMock(path.join(COMMANDS, name), () => {
      loaded.push(name);
      return jest.requireActual(path.join(COMMANDS, name));
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after the mocks above; bin/flavors.js (the process entry) sits beside it
  const { runCli } = require('../../bin/flavors.ts') as typeof import('../../bin/flavors');
  const io: CliIo = { out: () => undefined, err: () => undefined, cwd: path.join(__dirname, '..', '..'), env: {} };

  beforeEach(() => {
    loaded.length = 0;
  });

  test('Given --help or an unknown command, then no command module is loaded', async () => {
    expect(await runCli(['--help'], io)).toBe(0);
    expect(await runCli(['deploy-everything'], io)).toBe(1);
    expect(loaded).toEqual([]);
  });

  test('Given a command, then its module and what it imports load, and no other command', async () => {
    expect(await runCli(['list', '--colour'], io)).toBe(1);
    expect(loaded).toEqual(['list']);
  });

  test('Given space create, then the space move module (pg, every SDK client) is not loaded', async () => {
    expect(await runCli(['space', 'create'], io)).toBe(1);
    expect(loaded).toEqual(['space', 'lookup-admin']);
  });
});
