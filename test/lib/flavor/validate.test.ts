import * as fs from 'fs';
import * as path from 'path';
import { loadFlavorFiles, type LoadResult } from '../../../lib/flavor/load-flavors';
import { validateEc2Database, validateFlavorSpec } from '../../../lib/flavor/validate';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

/** Every fixture names the code it must produce in its first comment: `expects CODE`. */
function fixtures(): { file: string; code: string; with?: string }[] {
  const out: { file: string; code: string; with?: string }[] = [];
  for (const dir of fs.readdirSync(FIXTURES)) {
    for (const f of fs.readdirSync(path.join(FIXTURES, dir)).filter((x) => x.endsWith('.ts'))) {
      const file = path.join(FIXTURES, dir, f);
      const text = fs.readFileSync(file, 'utf-8');
      const code = /expects (FLAVOR_[A-Z_]+)/.exec(text)?.[1];
      // A cross-file check names the other file: `together with flavors/global.ts`.
      const other = /together with (\S+\.ts)/.exec(text)?.[1];
      if (code) out.push({ file, code, with: other && path.join(__dirname, '..', '..', '..', other) });
    }
  }
  return out;
}

const valid = {
  name: 'us-australia',
  residency: { countries: ['US', 'AU'] },
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'ap-southeast-2', role: 'fallback' },
  ],
};

describe('validation codes', () => {
  test('every code the model can emit has a fixture in test/fixtures', () => {
    const source = fs
      .readdirSync(path.join(__dirname, '..', '..', '..', 'lib', 'flavor'))
      .map((f) => fs.readFileSync(path.join(__dirname, '..', '..', '..', 'lib', 'flavor', f), 'utf-8'))
      .join('\n');
    const codes = new Set([...source.matchAll(/'(FLAVOR_[A-Z_]+)'/g)].map((m) => m[1]));
    const covered = new Set(fixtures().map((f) => f.code));
    // A path that does not exist needs no fixture file: it is tested in load-flavors.test.ts.
    covered.add('FLAVOR_FILE_NOT_FOUND');
    expect([...codes].filter((c) => !covered.has(c))).toEqual([]);
    expect(codes.size).toBeGreaterThan(30);
  });

  // Every fixture loads in one batch (one sandbox process); a cross-file fixture loads with the file it conflicts with.
  // The fixture that hangs only needs to be stopped: a 1000 ms limit, not the 2 s default (sandbox-load.test.ts proves that one).
  let batch: LoadResult;
  beforeAll(() => {
    batch = loadFlavorFiles(
      fixtures()
        .filter((f) => !f.with)
        .map((f) => f.file),
      { fileTimeoutMs: 1000 },
    );
  });

  test.each(fixtures().map((f) => [path.relative(FIXTURES, f.file), f.code, f.file, f.with]))('%s reports %s', (_name, code, file, other) => {
    // Given a flavor file that is wrong in exactly one way
    // When it is loaded (with the file it conflicts with, for cross-file checks)
    const problems = other ? loadFlavorFiles([other, file]).problems : batch.problems.filter((p) => p.file === file);
    // Then the problem list names that code, with a field path or the file, and an actionable message
    const hit = problems.find((p) => p.code === code);
    expect(hit).toBeDefined();
    expect(hit!.message.length).toBeGreaterThan(20);
    expect(hit!.file).toBe(file);
  });
});

describe('validateFlavorSpec', () => {
  test('a valid two-region flavor has no problems', () => {
    expect(validateFlavorSpec(valid)).toEqual([]);
  });

  test('collects every problem at once instead of stopping at the first', () => {
    const problems = validateFlavorSpec({
      name: 'Bad Name',
      residency: { countries: ['DE'] },
      regions: [
        { region: 'us-east-1', role: 'fallback' },
        { region: 'mars-1', role: 'fallback' },
      ],
      backup: { intervalHours: 5 },
    });
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['FLAVOR_NAME_INVALID', 'name'],
      ['FLAVOR_REGION_OUTSIDE_RESIDENCY', 'regions[0].region'],
      ['FLAVOR_REGION_UNKNOWN', 'regions[1].region'],
      ['FLAVOR_PRIMARY_MISSING', 'regions'],
      ['FLAVOR_BACKUP_INTERVAL_UNSUPPORTED', 'backup.intervalHours'],
    ]);
  });

  test('region outside residency names the region, its country and the residency', () => {
    const [problem] = validateFlavorSpec({
      ...valid,
      regions: [
        { region: 'us-east-1', role: 'primary' },
        { region: 'eu-west-1', role: 'fallback' },
      ],
    });
    expect(problem).toEqual({
      code: 'FLAVOR_REGION_OUTSIDE_RESIDENCY',
      path: 'regions[1].region',
      severity: 'error',
      message: 'eu-west-1 is in IE, outside residency [US, AU]; remove it or choose a region in those countries.',
    });
  });

  test('a single-region flavor is a warning, not an error', () => {
    const problems = validateFlavorSpec({
      name: 'germany-belgium',
      residency: { countries: ['DE', 'BE'] },
      regions: [{ region: 'eu-central-1', role: 'primary' }],
    });
    expect(problems).toEqual([expect.objectContaining({ code: 'FLAVOR_SINGLE_REGION', severity: 'warning' })]);
  });

  test('residency is judged by country, not by name prefix: il-central-1 is not in the EU', () => {
    const problems = validateFlavorSpec({
      ...valid,
      residency: { countries: ['DE', 'FR'] },
      regions: [
        { region: 'eu-west-3', role: 'primary' },
        { region: 'il-central-1', role: 'fallback' },
      ],
    });
    expect(problems.map((p) => p.code)).toEqual(['FLAVOR_REGION_OUTSIDE_RESIDENCY']);
  });

  test.each([
    [1, true],
    [2, true],
    [3, true],
    [4, true],
    [6, true],
    [8, true],
    [12, true],
    [24, true],
    [5, false],
    [0, false],
    [48, false],
    [1.5, false],
  ])('backup interval %p h is accepted: %p', (intervalHours, ok) => {
    const codes = validateFlavorSpec({ ...valid, backup: { intervalHours } }).map((p) => p.code);
    expect(codes.includes('FLAVOR_BACKUP_INTERVAL_UNSUPPORTED')).toBe(!ok);
  });

  test.each(['r5.large', 'r5.xlarge', 'r5.24xlarge', 'r5b.2xlarge', 'r5d.metal', 'r5dn.4xlarge', 'r5ad.large', 'r5n.16xlarge'])(
    '%s is an R5 type',
    (instanceType) => {
      expect(validateEc2Database({ engine: 'postgres', instanceType, nodes: 1, volume: { sizeGiB: 10 } })).toEqual([]);
    },
  );

  test.each(['m5.large', 'r6g.large', 'r5.huge', 'db.r5.large', 'r5', ''])('%p is not an R5 type', (instanceType) => {
    expect(validateEc2Database({ engine: 'postgres', instanceType, nodes: 1, volume: { sizeGiB: 10 } }).map((p) => p.code)).toEqual([
      'FLAVOR_DB_INSTANCE_TYPE_INVALID',
    ]);
  });

  test.each([
    [{ sizeGiB: 10, iops: 3000 }, []],
    [{ sizeGiB: 10, iops: 2999 }, ['FLAVOR_DB_IOPS_OUT_OF_RANGE']],
    [{ sizeGiB: 160, iops: 80000 }, []],
    [{ sizeGiB: 159, iops: 80000 }, ['FLAVOR_DB_IOPS_OUT_OF_RANGE']],
    [{ sizeGiB: 200, iops: 80001 }, ['FLAVOR_DB_IOPS_OUT_OF_RANGE']],
    [{ sizeGiB: 10, throughputMiBps: 124 }, ['FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE']],
    [{ sizeGiB: 10, throughputMiBps: 750 }, []],
    [{ sizeGiB: 10, throughputMiBps: 751 }, ['FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE']],
    [{ sizeGiB: 100, iops: 8000, throughputMiBps: 2000 }, []],
    [{ sizeGiB: 100, iops: 8000, throughputMiBps: 2001 }, ['FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE']],
    [{ sizeGiB: 0 }, ['FLAVOR_DB_VOLUME_SIZE_INVALID']],
    [{ sizeGiB: 65536 }, []],
    [{ sizeGiB: 65537 }, ['FLAVOR_DB_VOLUME_SIZE_INVALID']],
  ])('gp3 volume %j → %j', (volume, codes) => {
    expect(validateEc2Database({ engine: 'postgres', instanceType: 'r5.large', nodes: 1, volume }).map((p) => p.code)).toEqual(codes);
  });

  test('validateEc2Database prefixes paths so construct props errors name the prop', () => {
    expect(validateEc2Database({ engine: 'postgres', instanceType: 'r5.large', nodes: 0, volume: { sizeGiB: 10 } }, 'Ledger')[0].path).toBe(
      'Ledger.nodes',
    );
  });

  test('copyTo more than three regions is refused (DLM limit)', () => {
    const problems = validateFlavorSpec({
      ...valid,
      residency: 'global',
      regions: [
        { region: 'us-east-1', role: 'primary' },
        { region: 'us-west-2', role: 'fallback' },
        { region: 'eu-west-1', role: 'fallback' },
        { region: 'eu-west-2', role: 'fallback' },
        { region: 'ap-southeast-1', role: 'fallback' },
      ],
      backup: { copyTo: ['us-west-2', 'eu-west-1', 'eu-west-2', 'ap-southeast-1'] },
    });
    expect(problems.map((p) => p.code)).toEqual(['FLAVOR_BACKUP_TOO_MANY_COPY_REGIONS']);
  });
});
