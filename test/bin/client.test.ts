import { clientCommand } from '../../bin/commands/client';
import { runFlavors, runFlavorsInProcess } from '../helpers/run-cli';
import { bufferIo, startTestStore, type TestStore } from '../lib/lookup/runtime/lookup-fixtures';

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

describe('flavors client create', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
  });
  afterAll(async () => {
    await t?.close();
  });
  const run = (...args: string[]) => {
    const io = bufferIo();
    return clientCommand([...args, '--store', t.endpoint], io).then((code) => ({ code, io }));
  };

  test('creates a client in a flavor', async () => {
    const { code, io } = await run('create', 'c-cli-1', '--flavor', 'global');
    expect(code).toBe(0);
    expect(io.stdout).toEqual(['created client c-cli-1 in flavor global']);
    expect(await t.store.getClient('c-cli-1')).toEqual({ clientId: 'c-cli-1', flavor: 'global' });
  });

  test('takes a policy override from flags, and --json', async () => {
    const { io } = await run(
      'create',
      'c-cli-2',
      '--flavor',
      'us-australia',
      '--countries',
      'AU',
      '--backup-retain',
      '100',
      '--dns-failover',
      'manual',
      '--json',
    );
    expect(JSON.parse(io.stdout[0])).toEqual({
      clientId: 'c-cli-2',
      flavor: 'us-australia',
      policy: { countries: ['AU'], backupRetain: 100, dnsFailover: 'manual' },
    });
  });

  test.each([
    [['create', 'c-cli-1', '--flavor', 'global'], 'client c-cli-1 already exists; nothing was written.'],
    [
      ['create', 'c-cli-3', '--flavor', 'germany-belgium', '--regions', 'eu-west-1'],
      /client c-cli-3 allows eu-west-1, which flavor germany-belgium does not allow/,
    ],
    [['create', 'c-cli-4', '--flavor', 'global', '--backup-retain', 'many'], '--backup-retain must be a whole number, not "many".'],
    [['create', 'c-cli-5', '--flavor', 'global', '--dns-failover', 'sometimes'], '--dns-failover must be automatic or manual.'],
    [['create', 'c-cli-6'], '--flavor <flavor> is required: the flavor the client lives in.'],
    [['create', 'C/6', '--flavor', 'global'], /^client id "C\/6" is malformed/],
    [['delete', 'c-cli-1'], /^expected: flavors client create <clientId> --flavor <flavor>/],
  ])('refuses %j and writes nothing', async (args, message) => {
    const before = await t.items();
    await expect(run(...args)).rejects.toThrow(message);
    expect(await t.items()).toEqual(before);
  });

  test('as a user runs it: exit 0 on success; a clear one-line error and exit 1 when no store answers', async () => {
    // Success through runCli in this process; the failure through bin/flavors.js (exit status, stderr without a stack trace)
    const ok = await runFlavorsInProcess(['client', 'create', 'c-cli-7', '--flavor', 'global', '--store', t.endpoint]);
    expect([ok.status, ok.stdout.trim()]).toEqual([0, 'created client c-cli-7 in flavor global']);
    const down = runFlavors(['client', 'create', 'c-cli-8', '--flavor', 'global', '--store', 'http://127.0.0.1:9']);
    expect(down.status).toBe(1);
    expect(down.stderr.trim()).toBe(
      'error LOOKUP_STORE_UNREACHABLE: no lookup store answers at http://127.0.0.1:9; start one with npm run lookup:dev, or pass --store <url>.',
    );
    expect(down.stderr).not.toMatch(STACK_TRACE);
  });
});
