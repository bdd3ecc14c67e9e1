import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spaceCommand } from '../../bin/commands/space';
import { spaceItem } from '../../lib/lookup/runtime/records';
import { runFlavors, runFlavorsInProcess } from '../helpers/run-cli';
import { bufferIo, startTestStore, type TestStore } from '../lib/lookup/runtime/lookup-fixtures';

describe('flavors space', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
    await t.store.createClient({ clientId: 'c-space-cli', flavor: 'global', policy: { regions: ['us-east-1', 'eu-west-1'] } });
  });
  afterAll(async () => {
    await t?.close();
  });
  const run = async (...args: string[]) => {
    const io = bufferIo();
    const code = await spaceCommand([...args, '--store', t.endpoint], io);
    return { code, io };
  };

  test("create puts the space in its client's flavor with the home its policy gives", async () => {
    const { code, io } = await run('create', 's-space-cli-1', '--client', 'c-space-cli', '--regions', 'eu-west-1');
    expect(code).toBe(0);
    expect(io.stdout).toEqual(['created space s-space-cli-1 of client c-space-cli: flavor global, home eu-west-1, fallbacks none, epoch 1']);
  });

  test('show prints the record, its route and its grants as JSON', async () => {
    await t.store.createGrant({ spaceId: 's-space-cli-1', userId: 'u-show' });
    const { code, io } = await run('show', 's-space-cli-1');
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toEqual({
      space: {
        spaceId: 's-space-cli-1',
        clientId: 'c-space-cli',
        flavor: 'global',
        homeRegion: 'eu-west-1',
        epoch: 1,
        policy: { regions: ['eu-west-1'] },
        clientPolicy: { regions: ['us-east-1', 'eu-west-1'] },
      },
      route: { flavor: 'global', homeRegion: 'eu-west-1', endpoint: 'https://eu-west-1.global.flavors.example.com', fallbacks: [], epoch: 1 },
      grants: ['u-show'],
    });
  });

  test('show of a space that cannot be routed prints why and exits 1', async () => {
    // A record an ops tool broke: home region outside the space's own policy.
    await t.client.send(
      new PutItemCommand({
        TableName: 'flavors-lookup',
        Item: spaceItem({
          spaceId: 's-space-broken',
          clientId: 'c-space-cli',
          flavor: 'global',
          homeRegion: 'us-east-1',
          epoch: 2,
          policy: { regions: ['eu-west-1'] },
        }),
      }),
    );
    const { code, io } = await run('show', 's-space-broken');
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      'error LOOKUP_HOME_OUTSIDE_POLICY: space s-space-broken has home region us-east-1, outside its allowed regions (eu-west-1).',
    ]);
  });

  test.each([
    ['a slash', 's/1-space'],
    ['a 10 KB id', 's'.repeat(10_240)],
    ['unicode', 'espaço-1'],
    ['an empty id', ''],
  ])('create with %s: exit 1 with LOOKUP_ID_INVALID and nothing written', async (_name, id) => {
    const before = await t.items();
    // The 10 KB id through bin/flavors.js (a bounded one-line stderr from a real process), the others in this process
    const args = ['space', 'create', id, '--client', 'c-space-cli', '--store', t.endpoint];
    const result = id.length > 1000 ? runFlavors(args) : await runFlavorsInProcess(args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      id === '' ? /^error CLI_BAD_ARGUMENTS: expected: flavors space create/ : /^error LOOKUP_ID_INVALID: space id ".{1,41}" is malformed/,
    );
    expect(await t.items()).toEqual(before);
  });

  test.each([
    [['create', 's-space-cli-2', '--client', 'c-nobody'], /^client c-nobody does not exist; create it first/],
    [['create', 's-space-cli-1', '--client', 'c-space-cli'], 'space s-space-cli-1 already exists; nothing was written.'],
    [
      ['create', 's-space-cli-3', '--client', 'c-space-cli', '--regions', 'ap-southeast-1'],
      /space s-space-cli-3 allows ap-southeast-1, which client c-space-cli does not allow/,
    ],
    [['create', 's-space-cli-4'], '--client <clientId> is required: the client that owns the space.'],
    [['show', 's-space-none'], 'space s-space-none does not exist.'],
    [['move', 's-space-cli-1'], /^--to <flavor> is required\./],
    [['rename', 's-space-cli-1'], /^unknown space action "rename"/],
  ])('refuses %j and writes nothing', async (args, message) => {
    const before = await t.items();
    await expect(run(...args)).rejects.toThrow(message);
    expect(await t.items()).toEqual(before);
  });
});
