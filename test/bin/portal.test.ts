import { makePortalCommand } from '../../bin/commands/portal';
import type { CliIo } from '../../bin/cli-io';
import { ROOT } from '../helpers/run-cli';

const io: CliIo = { out: () => undefined, err: () => undefined, cwd: ROOT, env: {} };
const run = makePortalCommand({ credentials: () => () => Promise.reject(new Error('none')) });

describe('flavors portal arguments', () => {
  test.each([
    [['--port', 'web'], 'CLI_BAD_ARGUMENTS'],
    [['--port', '70000'], 'CLI_BAD_ARGUMENTS'],
    [['--admin', 'has space'], 'LOOKUP_ID_INVALID'],
    [['serve'], 'CLI_BAD_ARGUMENTS'],
    [['--dir', 'no-such-folder'], 'PORTAL_FLAVORS_DIR_MISSING'],
  ])('Given %j, when the portal starts, then it refuses with %s before listening', async (args, code) => {
    await expect(run(args, io)).rejects.toMatchObject({ code });
  });
});
