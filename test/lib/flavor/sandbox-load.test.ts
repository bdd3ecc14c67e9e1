import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { loadFlavorFile, loadFlavorFiles, loadFlavorsOrThrow, type LoadResult } from '../../../lib/flavor/load-flavors';
import { loadInSandbox, SANDBOX_DEFAULTS } from '../../../lib/flavor/sandbox-load';

const ROOT = path.join(__dirname, '..', '..', '..');
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'hostile');
const LIB = path.join(ROOT, 'lib', 'flavor').split(path.sep).join('/');
const REGIONS = "regions: [{ region: 'us-east-1', role: 'primary' }, { region: 'ap-southeast-2', role: 'fallback' }]";
// "A file that spins is stopped with FLAVOR_FILE_TIMEOUT" needs no 2 s of spinning: the corpus's other files finish in
// a few ms (at 250 ms one was stopped once on a loaded 2-core machine: 1000 ms leaves room). One test below proves the
// default limit (2 s) applies when none is given.
const SHORT = { fileTimeoutMs: 1000 };

// The real spawnSync, watched (the module object itself: `import * as` would spy on a copy); a loading child is
// a `node --permission` (or --experimental-permission) process.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, so the spy sees every caller
import childProcess = require('child_process');
const spawns = jest.spyOn(childProcess, 'spawnSync');
const loadingChildren = () => spawns.mock.calls.filter(([, args]) => (args ?? []).some((a) => /^--(experimental-)?permission$/.test(a))).length;

describe('loading hostile flavor files (test/fixtures/hostile) in the sandbox', () => {
  let result: LoadResult;
  let seconds: number;
  const errorsOf = (name: string) =>
    result.problems.filter((p) => p.file === path.join(HOSTILE, name) && p.severity === 'error').map((p) => [p.path, p.code]);

  beforeAll(() => {
    // Given the whole corpus, loaded as one batch (one child process, restarted after the file that ends it)
    fs.rmSync('/tmp/flavors-hostile-writes-file', { force: true });
    const started = Date.now();
    result = loadFlavorFiles(
      fs
        .readdirSync(HOSTILE)
        .filter((f) => f.endsWith('.ts'))
        .sort()
        .map((f) => path.join(HOSTILE, f)),
      SHORT,
    );
    seconds = (Date.now() - started) / 1000;
  });

  test('no hostile file becomes a flavor, and the batch ends in bounded time despite the hang', () => {
    expect(result.flavors).toEqual([]);
    // One file hangs (stopped at the limit); the rest take milliseconds each, even on a loaded machine
    expect(seconds).toBeLessThan(SHORT.fileTimeoutMs / 1000 + 30);
  });

  test.each<[string, [string, string][]]>([
    ['proto-inherited.ts', [['', 'FLAVOR_FIELD_NOT_DATA']]],
    ['proto-own-key.ts', [['__proto__', 'FLAVOR_FIELD_UNKNOWN']]],
    ['constructor-key.ts', [['databases.constructor', 'FLAVOR_DB_NAME_INVALID']]],
    ['prototype-pollution.ts', [['regions', 'FLAVOR_FIELD_REQUIRED']]],
    ['region-lookalike.ts', [['regions[0].region', 'FLAVOR_REGION_LOOKALIKE']]],
    ['region-china.ts', [['regions[0].region', 'FLAVOR_REGION_OTHER_PARTITION']]],
    ['region-govcloud.ts', [['backup.copyTo[0]', 'FLAVOR_REGION_OTHER_PARTITION']]],
    ['number-huge.ts', [['databases.ledger.nodes', 'FLAVOR_DB_NODES_INVALID']]],
    ['number-negative.ts', [['backup.retain', 'FLAVOR_BACKUP_RETAIN_INVALID']]],
    [
      'number-nan.ts',
      [
        ['databases.ledger.volume.sizeGiB', 'FLAVOR_DB_VOLUME_SIZE_INVALID'],
        ['databases.ledger.volume.iops', 'FLAVOR_DB_IOPS_OUT_OF_RANGE'],
      ],
    ],
    ['string-10mb.ts', [['description', 'FLAVOR_FIELD_TOO_LARGE']]],
    ['getter-throws.ts', [['regions[0].region', 'FLAVOR_FIELD_NOT_DATA']]],
    ['getter-lies.ts', [['regions[0].region', 'FLAVOR_FIELD_NOT_DATA']]],
    ['proxy-trap.ts', [['residency', 'FLAVOR_FIELD_NOT_DATA']]],
    ['cycle.ts', [['databases.ledger.volume', 'FLAVOR_FIELD_NOT_DATA']]],
    ['fake-flavor.ts', [['regions[0].region', 'FLAVOR_REGION_OUTSIDE_RESIDENCY']]],
    ['writes-file.ts', [['', 'FLAVOR_FILE_SIDE_EFFECT']]],
    ['network-import.ts', [['', 'FLAVOR_FILE_SIDE_EFFECT']]],
    ['network-escape.ts', [['', 'FLAVOR_FILE_SIDE_EFFECT']]],
    ['hangs.ts', [['', 'FLAVOR_FILE_TIMEOUT']]],
    ['throws.ts', [['', 'FLAVOR_FILE_UNLOADABLE']]],
    ['exits.ts', [['', 'FLAVOR_FILE_UNLOADABLE']]],
  ])('%s → exactly %j (path, code)', (file, expected) => {
    expect(errorsOf(file)).toEqual(expected);
  });

  test('messages stay one bounded, printable line: the 10 MB string and the look-alike are described, not echoed', () => {
    for (const p of result.problems) {
      expect(p.message.length).toBeLessThan(400);
      expect(p.message).toMatch(/^[\x20-\x7e…]+$/);
    }
    expect(result.problems.find((p) => p.code === 'FLAVOR_REGION_LOOKALIKE')!.message).toBe(
      "'eu-\\u0441entral-1' contains non-ASCII characters and only looks like 'eu-central-1'; type region names in plain ASCII.",
    );
    // The timeout names the limit the load ran with
    expect(result.problems.find((p) => p.code === 'FLAVOR_FILE_TIMEOUT')!.message).toMatch(
      /^the file ran longer than 1000 ms at import and was stopped/,
    );
  });

  test('nothing a file did at import reached this process or the disk', () => {
    expect(fs.existsSync('/tmp/flavors-hostile-writes-file')).toBe(false);
    // The pollution happened in the file's own realm, not here
    expect(({} as Record<string, unknown>).regions).toBeUndefined();
  });
});

describe('a flavor file reaching the network at import', () => {
  let server: net.Server;
  let port: number;
  let connections = 0;
  let dir: string;

  beforeAll(async () => {
    server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-net-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  test.each([
    ['by import, then waiting for the answer', `import * as http from 'http';\nhttp.get('http://127.0.0.1:${'PORT'}/');`],
    [
      'by escaping its realm to the loader process, then spinning until the socket connects',
      `declare const require: any;
const net = require.constructor('return process')().getBuiltinModule('net');
let connected = false;
try { net.connect(PORT, '127.0.0.1').on('connect', () => { connected = true; }); } catch { /* pretend nothing happened */ }
const until = Date.now() + 60000; while (!connected && Date.now() < until) { /* wait */ }`,
    ],
  ])('%s: refused, reported, and no connection is made, without hanging validate', (_how, body) => {
    // Given a flavor file that talks to a server we run on 127.0.0.1
    const file = path.join(dir, 'talker.ts');
    fs.writeFileSync(
      file,
      `import { defineFlavor } from '${LIB}';\n${body.replace('PORT', String(port))}\nexport ` +
        `default defineFlavor({ name: 'talker', residency: 'global', ${REGIONS} });\n`,
    );
    // When it is loaded
    const started = Date.now();
    const { flavor, problems } = loadFlavorFile(file, file, SHORT);
    // Then it is not a flavor, the attempt has a code, it took no longer than the per-file limit, and the server saw nothing
    expect(flavor).toBeUndefined();
    expect(problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_SIDE_EFFECT']);
    expect(Date.now() - started).toBeLessThan(SHORT.fileTimeoutMs + 20000);
    expect(connections).toBe(0);
  });
});

describe('what the sandbox still allows', () => {
  test('a flavor file using pure built-ins (path, util) and a sibling helper file loads', () => {
    // Given a flavor folder with a shared helper, as teams write them (files starting with _ are helpers)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-ok-'));
    try {
      fs.writeFileSync(
        path.join(dir, '_regions.ts'),
        `export const PAIR = [{ region: 'us-east-1', role: 'primary' as const }, { region: 'ap-southeast-2', role: 'fallback' as const }];\n`,
      );
      fs.writeFileSync(
        path.join(dir, 'paired.ts'),
        `import * as path from 'path';
import { format } from 'node:util';
import { defineFlavor } from '${LIB}';
import { PAIR } from './_regions';
export default defineFlavor({ name: path.basename('x/paired'), description: format('%s ` +
          `regions', PAIR.length), residency: { countries: ['US', 'AU'] }, regions: PAIR });
`,
      );
      // When it is loaded
      const { flavor, problems } = loadFlavorFile(path.join(dir, 'paired.ts'));
      // Then it is a flavor, validated in this process
      expect(problems).toEqual([]);
      expect(flavor).toMatchObject({ name: 'paired', description: '2 regions', primaryRegion: 'us-east-1', fallbackRegions: ['ap-southeast-2'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the time limit of a file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-limit-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('Given no limit, when a file never finishes, then it is stopped after the default 2 s with FLAVOR_FILE_TIMEOUT naming it', () => {
    // Given a file that blocks forever (a wait, not a spin: the limit is on time, and waiting costs the machine no CPU)
    const file = path.join(dir, 'waits.ts');
    fs.writeFileSync(
      file,
      `import { defineFlavor } from '${LIB}';\nAtomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n` +
        `export default defineFlavor({ name: 'waits', residency: 'global', ${REGIONS} });\n`,
    );
    // When it is loaded without options
    const started = Date.now();
    const { flavor, problems } = loadFlavorFile(file);
    const took = Date.now() - started;
    // Then the default limit stopped it: not before 2 s, and well before the child would be killed
    expect(SANDBOX_DEFAULTS.fileTimeoutMs).toBe(2000);
    expect(flavor).toBeUndefined();
    expect(problems.map((p) => [p.code, p.message])).toEqual([
      [
        'FLAVOR_FILE_TIMEOUT',
        'the file ran longer than 2000 ms at import and was stopped; a flavor file only declares data (no loops, waits or I/O).',
      ],
    ]);
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(2000 + SANDBOX_DEFAULTS.processGraceMs);
  });

  test.each([0, -1, 1.5, Number.NaN, 600_001])(
    'Given a limit of %p ms, when files are loaded, then the limit is refused with SANDBOX_LIMIT_INVALID',
    (ms) => {
      expect(() => loadFlavorFiles([path.join(HOSTILE, 'hangs.ts')], { fileTimeoutMs: ms })).toThrow(
        expect.objectContaining({ code: 'SANDBOX_LIMIT_INVALID', message: expect.stringContaining('from 1 to 600000') }),
      );
    },
  );
});

describe('loading the same flavor files twice in one process', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-memory-'));
    spawns.mockClear();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A flavor file `name.ts` whose regions come from the helper `_regions.ts` and whose description is `description`. */
  function writeFlavor(name: string, description: string, fallback = 'ap-southeast-2'): string {
    fs.writeFileSync(
      path.join(dir, '_regions.ts'),
      `export const PAIR = [{ region: 'us-east-1', role: 'primary' as const }, { region: '${fallback}', role: 'fallback' as const }];\n`,
    );
    const file = path.join(dir, `${name}.ts`);
    fs.writeFileSync(
      file,
      `import { defineFlavor } from '${LIB}';\nimport { PAIR } from './_regions';\n` +
        `export default defineFlavor({ name: '${name}', description: '${description}', residency: 'global', regions: PAIR });\n`,
    );
    return file;
  }

  test('Given a folder loaded once, when it is loaded again, then no child process runs and the flavors are equal', () => {
    const flavors = path.join(ROOT, 'flavors');
    const first = loadFlavorsOrThrow(flavors);
    expect(loadingChildren()).toBe(1);
    const second = loadFlavorsOrThrow(flavors);
    expect(loadingChildren()).toBe(1);
    expect(second).toEqual(first);
    expect(second.map((f) => f.name)).toEqual(['germany-belgium', 'global', 'us-australia']);
  });

  test('Given a loaded file, when it is edited, then the next load runs a child and returns the new content', () => {
    const file = writeFlavor('edited', 'before');
    expect(loadFlavorFile(file).flavor?.description).toBe('before');
    expect(loadFlavorFile(file).flavor?.description).toBe('before');
    expect(loadingChildren()).toBe(1);
    writeFlavor('edited', 'after');
    expect(loadFlavorFile(file).flavor?.description).toBe('after');
    expect(loadingChildren()).toBe(2);
  });

  test('Given a loaded file, when only a helper it imports is edited, then the next load runs a child and sees the edit', () => {
    const file = writeFlavor('helped', 'same');
    expect(loadFlavorFile(file).flavor?.fallbackRegions).toEqual(['ap-southeast-2']);
    writeFlavor('helped', 'same', 'eu-west-1');
    expect(loadFlavorFile(file).flavor?.fallbackRegions).toEqual(['eu-west-1']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a caller that changes what it got, when the file is loaded again, then the next caller gets the original', () => {
    const file = writeFlavor('poisoned', 'original');
    const [outcome] = loadInSandbox([file]);
    if (outcome.kind !== 'value') throw new Error(`expected a value, got ${outcome.kind}`);
    const value = outcome.value as { description: string; regions: { region: string }[] };
    value.description = 'poisoned';
    value.regions[0].region = 'cn-north-1';
    const [again] = loadInSandbox([file]);
    expect(again).toMatchObject({ kind: 'value', value: { description: 'original', regions: [{ region: 'us-east-1' }, {}] } });
    expect(again).not.toBe(outcome);
    expect(loadingChildren()).toBe(1);
  });

  test('Given a hostile file with an own __proto__ key, when it is loaded twice, then both loads report the same problems', () => {
    const file = path.join(HOSTILE, 'proto-own-key.ts');
    const first = loadFlavorFile(file).problems;
    expect(first.map((p) => [p.path, p.code])).toContainEqual(['__proto__', 'FLAVOR_FIELD_UNKNOWN']);
    expect(loadFlavorFile(file).problems).toEqual(first);
    expect(loadingChildren()).toBe(1);
  });

  test('Given a file that ends the loading process, when it is loaded twice, then each load runs its own child', () => {
    const file = path.join(HOSTILE, 'exits.ts');
    expect(loadFlavorFile(file).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_UNLOADABLE']);
    expect(loadFlavorFile(file).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_UNLOADABLE']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a file that runs out of time, when it is loaded twice, then each load runs its own child', () => {
    const file = path.join(HOSTILE, 'hangs.ts');
    // Nothing else is in the batch, so any limit stops it: 1 ms keeps the spin from costing CPU
    const short = { fileTimeoutMs: 1 };
    expect(loadFlavorFiles([file], short).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_TIMEOUT']);
    expect(loadFlavorFiles([file], short).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_TIMEOUT']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a file loaded under one time limit, when it is loaded under another, then a child runs again', () => {
    const file = writeFlavor('limited', 'same');
    expect(loadFlavorFile(file).flavor?.description).toBe('same');
    expect(loadFlavorFile(file, file, { fileTimeoutMs: 1000 }).flavor?.description).toBe('same');
    expect(loadingChildren()).toBe(2);
    expect(loadFlavorFile(file, file, { fileTimeoutMs: 1000 }).flavor?.description).toBe('same');
    expect(loadingChildren()).toBe(2);
  });
});
