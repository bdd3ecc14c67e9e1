import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runFlavors, runFlavorsInProcess } from '../helpers/run-cli';

// Three tests run bin/flavors.js as a process (exit status, stderr without a stack trace): one per command here
// (list, validate) and an unknown command; the rest run the same runCli in this process (test/helpers/run-cli.ts),
// without a process start per test.

const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)/;

describe('flavors list', () => {
  test('prints each flavor with its regions, roles and residency', () => {
    const { status, stdout, stderr } = runFlavors(['list']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FLAVOR\s+RESIDENCY\s+REGIONS$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^germany-belgium\s+DE, BE\s+eu-central-1 \(primary\)$/),
        expect.stringMatching(/^global\s+global\s+us-east-1 \(primary\), eu-west-1 \(fallback\), ap-southeast-1 \(fallback\)$/),
        expect.stringMatching(/^us-australia\s+US, AU\s+us-east-1 \(primary\), ap-southeast-2 \(fallback\)$/),
      ]),
    );
  });

  test('--json gives machine-readable output', async () => {
    const { status, stdout } = await runFlavorsInProcess(['list', '--json']);
    expect(status).toBe(0);
    const flavors = JSON.parse(stdout);
    expect(flavors.find((f: { name: string }) => f.name === 'us-australia')).toEqual(
      expect.objectContaining({
        residency: { countries: ['US', 'AU'] },
        regions: [
          { region: 'us-east-1', role: 'primary' },
          { region: 'ap-southeast-2', role: 'fallback' },
        ],
      }),
    );
  });
});

describe('flavors validate', () => {
  test('validates all flavors: warnings only → exit 0', async () => {
    const { status, stdout } = await runFlavorsInProcess(['validate']);
    expect(status).toBe(0);
    expect(stdout).toContain('flavors/germany-belgium.ts: regions: FLAVOR_SINGLE_REGION: warning: single-region flavor');
    expect(stdout.trim().split('\n').pop()).toMatch(/^\d+ flavor file\(s\) checked: 0 error\(s\), 1 warning\(s\)$/);
  });

  test('validates one file', async () => {
    const { status, stdout } = await runFlavorsInProcess(['validate', 'flavors/us-australia.ts']);
    expect(status).toBe(0);
    expect(stdout.trim()).toBe('1 flavor file(s) checked: 0 error(s), 0 warning(s)');
  });

  test('a bad file prints file: path: CODE: message for every problem and exits 1 without a stack trace', () => {
    const { status, stdout, stderr } = runFlavors([
      'validate',
      'test/fixtures/flavors/region-outside-residency.ts',
      'test/fixtures/flavors/db-instance-type-invalid.ts',
    ]);
    expect(status).toBe(1);
    expect(stdout).toContain(
      'test/fixtures/flavors/region-outside-residency.ts: regions[1].region: ' +
        'FLAVOR_REGION_OUTSIDE_RESIDENCY: eu-west-1 is in IE, outside residency [US, AU]',
    );
    expect(stdout).toContain(
      'test/fixtures/flavors/db-instance-type-invalid.ts: databases.ledger.instanceType: ' +
        "FLAVOR_DB_INSTANCE_TYPE_INVALID: instanceType 'm5.xlarge' is not an R5 type",
    );
    expect(stdout).toContain('2 flavor file(s) checked: 2 error(s), 0 warning(s)');
    expect(stdout + stderr).not.toMatch(STACK_TRACE);
  });

  test.each([
    [
      'test/fixtures/flavors/syntax-error.ts',
      'FLAVOR_FILE_UNLOADABLE: cannot load the file: test/fixtures/flavors/syntax-error.ts:7:0: Expected "]" but found "}"',
    ],
    ['test/fixtures/flavors/no-default-export.ts', 'FLAVOR_FILE_NO_DEFAULT_EXPORT: the file must `export default defineFlavor({...})`'],
    ['flavors/does-not-exist.ts', 'FLAVOR_FILE_NOT_FOUND: file does not exist'],
  ])('%s → one clear line, exit 1, no stack trace', async (file, expected) => {
    const { status, stdout, stderr } = await runFlavorsInProcess(['validate', file]);
    expect(status).toBe(1);
    expect(stdout).toContain(`${file}: ${expected}`);
    expect(stdout + stderr).not.toMatch(STACK_TRACE);
  });

  test('the hostile corpus: every file is one clear line with its code, exit 1, no stack trace, nothing written', async () => {
    // Given flavor files that attack the loader: prototype tricks, look-alike and foreign-partition regions,
    // absurd numbers, a 10 MB string, throwing getters, proxies, file writes, network calls, a hang, an exit
    const files = fs
      .readdirSync(path.join(ROOT, 'test', 'fixtures', 'hostile'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `test/fixtures/hostile/${f}`);
    fs.rmSync('/tmp/flavors-hostile-writes-file', { force: true });
    // When they are validated together (the hang only needs to be stopped: 1000 ms, not the 2 s default)
    const { status, stdout, stderr } = await runFlavorsInProcess(['validate', '--file-timeout-ms', '1000', ...files]);
    // Then each gets an error line naming the file and a code; none is accepted; the summary counts them all
    expect(status).toBe(1);
    for (const file of files) expect(stdout).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: (\\S+: )?FLAVOR_[A-Z_]+: (?!warning)`, 'm'));
    expect(stdout).toContain(`${files.length} flavor file(s) checked: `);
    expect(stdout + stderr).not.toMatch(STACK_TRACE);
    expect(stdout).toContain('test/fixtures/hostile/hangs.ts: FLAVOR_FILE_TIMEOUT: the file ran longer than 1000 ms at import');
    expect(fs.existsSync('/tmp/flavors-hostile-writes-file')).toBe(false);
  });

  test.each(['0', '1.5', 'soon', '600001'])('--file-timeout-ms %s is one clear error line naming the option, exit 1', async (value) => {
    const { status, stdout, stderr } = await runFlavorsInProcess(['validate', '--file-timeout-ms', value, 'flavors/global.ts']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error CLI_BAD_ARGUMENTS: --file-timeout-ms must be a whole number of ms from 1 to 600000.\n');
  });

  test('a new file in flavors/ is discovered with no registry to edit', async () => {
    // Given a copy of the project's flavors folder with one more flavor
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-'));
    try {
      const flavorsDir = path.join(dir, 'flavors');
      fs.mkdirSync(flavorsDir);
      const lib = path.join(ROOT, 'lib', 'flavor').split(path.sep).join('/');
      fs.writeFileSync(
        path.join(flavorsDir, 'canada.ts'),
        `import { defineFlavor } from '${lib}';
export default defineFlavor({ name: 'canada', residency: { countries: ['CA'] },
  regions: [{ region: 'ca-central-1', role: 'primary' }, { region: 'ca-west-1', role: 'fallback' }] });
`,
      );
      // When the CLI runs there
      const list = await runFlavorsInProcess(['list'], { cwd: dir });
      const validate = await runFlavorsInProcess(['validate'], { cwd: dir });
      // Then the flavor is listed and valid
      expect(list.stdout).toMatch(/canada\s+CA\s+ca-central-1 \(primary\), ca-west-1 \(fallback\)/);
      expect(validate.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('usage', () => {
  test('an unknown command is one clear error line and exit 1', () => {
    const { status, stderr } = runFlavors(['deploy-everything']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_UNKNOWN_COMMAND: unknown command 'deploy-everything'\./);
  });

  test('an unknown option names the option', async () => {
    const { status, stderr } = await runFlavorsInProcess(['list', '--colour']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_BAD_ARGUMENTS: Unknown option '--colour'/);
  });

  test('--help lists the commands', async () => {
    const { status, stdout } = await runFlavorsInProcess(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('flavors list');
    expect(stdout).toContain('flavors validate');
  });
});

describe('flavors scp', () => {
  test('prints the service control policy of a flavor as JSON', async () => {
    const { status, stdout } = await runFlavorsInProcess(['scp', 'germany-belgium']);
    expect(status).toBe(0);
    const policy = JSON.parse(stdout);
    expect(policy.Statement[0].Condition.StringNotEquals['aws:RequestedRegion']).toEqual(['eu-central-1']);
  });

  test('an unknown flavor lists the known ones', async () => {
    const { status, stderr } = await runFlavorsInProcess(['scp', 'atlantis']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_FLAVOR_UNKNOWN: no flavor 'atlantis'; known flavors: germany-belgium, global, us-australia/);
  });
});
