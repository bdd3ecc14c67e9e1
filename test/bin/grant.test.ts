import { grantCommand } from '../../bin/commands/grant';
import { bufferIo, startTestStore, type TestStore } from '../lib/lookup/runtime/lookup-fixtures';

describe('flavors grant', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
    await t.store.createSpace({ spaceId: 's-grant-cli', clientId: 'c-grant', flavor: 'global', homeRegion: 'us-east-1', epoch: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });
  const run = async (...args: string[]) => {
    const io = bufferIo();
    const code = await grantCommand([...args, '--store', t.endpoint], io);
    return { code, io };
  };

  test('grants a user a space; granting again is harmless and says so', async () => {
    expect(await run('u-grant-1', 's-grant-cli')).toMatchObject({ code: 0, io: { stdout: ['granted u-grant-1 space s-grant-cli'] } });
    expect(await run('u-grant-1', 's-grant-cli')).toMatchObject({
      code: 0,
      io: { stdout: ['u-grant-1 already holds a grant on s-grant-cli; nothing written'] },
    });
    expect(await t.store.listGrants('s-grant-cli')).toEqual([{ spaceId: 's-grant-cli', userId: 'u-grant-1' }]);
  });

  test.each([
    [['u-grant-2', 's-grant-none'], /^space s-grant-none does not exist; create it first/],
    [['jane@example.com', 's-grant-cli'], /^user id "jane@example.com" is malformed/],
    [['u-grant-3'], /^expected: flavors grant <userId> <spaceId>/],
  ])('refuses %j and writes nothing', async (args, message) => {
    const before = await t.items();
    await expect(run(...args)).rejects.toThrow(message);
    expect(await t.items()).toEqual(before);
  });
});
