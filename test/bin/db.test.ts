import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runFlavors, runFlavorsInProcess } from '../helpers/run-cli';
import { copyFlavors, git, type FlavorCopies } from '../helpers/flavor-copies';

/** The same CLI entry in this process (no spawn): every test but the first, which runs bin/flavors.js as a user would. */
const runInProcess = (args: readonly string[], cwd: string) => runFlavorsInProcess(args, { cwd, env: { ...process.env } });

describe('flavors db (real CLI, temp git repository, --no-infra-diff)', () => {
  // The repository (copies of the flavor files, one commit) is made once; each test gets it back as it was, in the same
  // folder: no git runs per test, and flavor files this process already loaded with the same text are not loaded again.
  let template: FlavorCopies;
  let copies: FlavorCopies;
  beforeAll(() => {
    template = copyFlavors({ git: true });
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-db-test-')));
    const dir = path.join(root, 'flavors');
    const file = (name: string) => path.join(dir, `${name}.ts`);
    copies = {
      root,
      dir,
      file,
      read: (name) => fs.readFileSync(file(name), 'utf-8'),
      cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
    };
  });
  beforeEach(() => {
    for (const entry of fs.readdirSync(copies.root)) fs.rmSync(path.join(copies.root, entry), { recursive: true, force: true });
    fs.cpSync(template.root, copies.root, { recursive: true, verbatimSymlinks: true });
  });
  afterAll(() => {
    copies.cleanup();
    template.cleanup();
  });
  const db = (...args: string[]) => runFlavors(['db', ...args], { cwd: copies.root });

  test(
    'Given a team asks for an rds database with defaults, when db add runs, ' +
      'then it prints the choices and the file diff and writes only that entry',
    () => {
      const before = copies.read('us-australia');
      const { status, stdout, stderr } = db('add', 'us-australia', 'billing', '--platform', 'rds', '--engine', 'postgres', '--no-infra-diff');
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(stdout).toContain(
        'flavors db add us-australia/billing: rds postgres db.r5.large, 100 GiB\n' +
          '  chose instanceType db.r5.large (default for rds, lib/database/defaults.ts)\n' +
          '  chose storageGiB 100 (default for rds, lib/database/defaults.ts)\n',
      );
      expect(stdout).toContain("+    billing: { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },\n");
      expect(stdout).toContain('wrote flavors/us-australia.ts;');
      const anchor = 'storageGiB: 100 },\n  },';
      const at = before.indexOf(anchor) + 'storageGiB: 100 },\n'.length;
      expect(copies.read('us-australia')).toBe(
        `${before.slice(0, at)}    billing: { platform: 'rds', engine: 'postgres', ` +
          `instanceType: 'db.r5.large', storageGiB: 100 },\n${before.slice(at)}`,
      );
      expect(git(copies.root, 'status', '--porcelain')).toBe('M flavors/us-australia.ts');
    },
  );

  test(
    'Given an add that fails validation, when db add runs, then its problem lines ' +
      'are exactly what flavors validate prints for that text, and nothing is written',
    async () => {
      const before = copies.read('global');
      const args = ['search', '--platform', 'rds', '--engine', 'couchbase', '--instance-type', 'db.m5.large', '--no-infra-diff'];
      const { status, stdout, stderr } = await runInProcess(['db', 'add', 'global', ...args], copies.root);
      expect(status).toBe(1);
      expect(stderr).toBe(
        'error DB_REQUEST_INVALID: the edited flavors/global.ts does not validate ' +
          '(FLAVOR_DB_ENGINE_UNSUPPORTED, FLAVOR_DB_INSTANCE_TYPE_INVALID); nothing was written.\n',
      );
      expect(copies.read('global')).toBe(before);
      expect(fs.readdirSync(copies.dir).filter((f) => f.startsWith('_'))).toEqual([]);
      // When the same entry is written by hand (in a fresh copy: this process has loaded the first one), flavors validate prints the same lines
      const byHand = copyFlavors();
      try {
        fs.writeFileSync(
          byHand.file('global'),
          before.replace(
            'storageGiB: 200 },\n',
            "storageGiB: 200 },\n    search: { platform: 'rds', engine: 'couchbase', instanceType: 'db.m5.large', storageGiB: 100 },\n",
          ),
        );
        const validate = await runInProcess(['validate', 'flavors/global.ts'], byHand.root);
        expect(validate.status).toBe(1);
        expect(stdout).toBe(
          validate.stdout
            .split('\n')
            .filter((l) => l.startsWith('flavors/global.ts:'))
            .join('\n') + '\n',
        );
      } finally {
        byHand.cleanup();
      }
    },
  );

  test('Given --branch, when db resize runs, then a new branch holds one commit with only that file and the checkout is as it was', async () => {
    const head = git(copies.root, 'rev-parse', 'HEAD');
    const args = ['db', 'resize', 'global', 'ledger', '--size-gib', '750', '--branch', 'db/ledger-750', '--no-infra-diff'];
    const { status, stdout } = await runInProcess(args, copies.root);
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /committed flavors\/global\.ts on new branch db\/ledger-750 \([0-9a-f]{12}\); your current branch, index and working tree are unchanged\./,
    );
    expect(stdout).toContain('next: git push -u origin db/ledger-750, then open a pull request.');
    expect(stdout).toContain(
      "-      volume: { sizeGiB: 500, type: 'gp3', iops: 6000, throughputMiBps: 250 " +
        "},\n+      volume: { sizeGiB: 750, type: 'gp3', iops: 6000, throughputMiBps: 250 },\n",
    );
    expect(git(copies.root, 'status', '--porcelain')).toBe('');
    expect(git(copies.root, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(copies.root, 'diff', '--name-only', 'HEAD', 'db/ledger-750')).toBe('flavors/global.ts');
    expect(git(copies.root, 'show', 'db/ledger-750:flavors/global.ts')).toContain('sizeGiB: 750');
  });

  test('Given remove without --confirm-retain, then it is refused; with it, the retained volumes, snapshots and key are named', async () => {
    const refused = await runInProcess(['db', 'remove', 'germany-belgium', 'ledger', '--no-infra-diff'], copies.root);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error DB_REMOVE_NOT_CONFIRMED: removing germany-belgium\/ledger .*pass --confirm-retain to go ahead\.\n$/);
    const { status, stdout } = await runInProcess(['db', 'remove', 'germany-belgium', 'ledger', '--confirm-retain', '--no-infra-diff'], copies.root);
    expect(status).toBe(0);
    expect(stdout).toContain(
      'kept after deploy (retained, never deleted by this change; delete by hand once the data is no longer needed):\n  eu-central-1:\n',
    );
    expect(stdout).toContain(
      '    - EBS data volume: germany-belgium/eu-central-1/ledger/Node0/Data (stack germany-belgium-eu-central-1; ' +
        'tags flavors:flavor=germany-belgium, flavors:database=ledger, flavors:node=0, flavors:role=db-data)',
    );
    expect(stdout).toContain('    - EBS snapshots: tags flavors:snapshot-target=germany-belgium/db-data, flavors:database=ledger');
    expect(stdout).toContain('    - flavor key: alias/flavors/germany-belgium (germany-belgium/eu-central-1/Key)');
    expect(copies.read('germany-belgium')).not.toMatch(/ledger|sizeGiB: 200/);
  });

  test.each([
    [
      ['add', 'mars', 'x', '--platform', 'k8s', '--engine', 'postgres', '--no-infra-diff'],
      /^error OPS_UNKNOWN_FLAVOR: no flavor 'mars' in flavors\/ \(known: germany-belgium, global, us-australia\)/,
    ],
    [
      ['resize', 'global', 'nope', '--size-gib', '10', '--no-infra-diff'],
      /^error DB_NOT_FOUND: global has no database 'nope' \(it has: ledger, content\)/,
    ],
    [
      ['add', 'global', 'x', '--platform', 'k8s', '--engine', 'postgres', '--size-gib', 'big', '--no-infra-diff'],
      /^error DB_SIZE_INVALID: --size-gib must be a whole number above 0, got 'big'/,
    ],
    [
      ['resize', 'global', 'ledger', '--size-gib', '100', '--no-infra-diff'],
      /^error DB_VOLUME_SHRINK_REFUSED: global\/ledger volume\.sizeGiB is 500 GiB/,
    ],
    [['remove', 'global', 'ledger', '--size-gib', '100'], /^error CLI_BAD_ARGUMENTS: --size-gib is not an option of 'flavors db remove'/],
    [['add', 'global'], /^error CLI_BAD_ARGUMENTS: expected 'flavors db add\|resize\|remove <flavor> <name>'/],
    [
      ['resize', 'global', 'content', '--size-gib', '300'],
      /^error DB_INFRA_DIFF_UNAVAILABLE: .* is not the flavors\/ folder of a flavors-cdk git checkout/,
    ],
  ])('Given bad input %j, then one error line, exit 1, nothing written', async (args, message) => {
    const files = copies.read('global') + copies.read('us-australia');
    const { status, stdout, stderr } = await runInProcess(['db', ...args], copies.root);
    expect(status).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
    expect(stdout).toBe('');
    expect(copies.read('global') + copies.read('us-australia')).toBe(files);
  });

  test('Given --dir, when run from another folder, then that folder is edited and named relative to where the command runs', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-db-cwd-'));
    try {
      const { status, stdout } = await runInProcess(
        ['db', 'resize', 'global', 'content', '--instances', '5', '--dir', copies.dir, '--no-infra-diff'],
        elsewhere,
      );
      expect(status).toBe(0);
      expect(stdout).toContain(`wrote ${path.relative(elsewhere, copies.file('global'))};`);
      expect(copies.read('global')).toContain("content: { platform: 'k8s', engine: 'postgres', instances: 5, storageGiB: 200 },");
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
