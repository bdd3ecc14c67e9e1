import * as fs from 'fs';
import * as path from 'path';
import { formatProblem, listFlavorFiles, loadFlavorFile, loadFlavorFiles } from '../../../lib/flavor/load-flavors';
import type { Flavor } from '../../../lib/flavor/types';
import { applyDatabaseRequest, RequestValidationError } from '../../../lib/requests/apply-database-request';
import type { DatabaseRequest } from '../../../lib/requests/database-request';
import { copyFlavors, git, type FlavorCopies } from '../../helpers/flavor-copies';
import { ROOT } from '../../helpers/run-cli';

/**
 * What a flavor file's text defines, loaded once per text: every test works on its own copy of the files (another
 * folder), and the sandboxed loader would start a child process for each (the flavor does not depend on the folder).
 * The repository's files are loaded together, in one child, before the tests.
 */
const loaded = new Map<string, Flavor>();
const keyOf = (file: string) => `${path.basename(file)}\n${fs.readFileSync(file, 'utf-8')}`;
function flavorOf(file: string): Flavor {
  const key = keyOf(file);
  let flavor = loaded.get(key);
  if (!flavor) {
    flavor = loadFlavorFile(file).flavor!;
    loaded.set(key, flavor);
  }
  return flavor;
}
beforeAll(() => {
  const repo = listFlavorFiles(path.join(ROOT, 'flavors'));
  const { flavors, problems } = loadFlavorFiles(repo);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  for (const { file, flavor } of flavors) loaded.set(keyOf(file), flavor);
});

function run(copies: FlavorCopies, flavorName: string, request: DatabaseRequest, branch?: string) {
  const file = copies.file(flavorName);
  return applyDatabaseRequest({ file, flavor: flavorOf(file), request, shownAs: `flavors/${flavorName}.ts`, branch });
}

const leftovers = (copies: FlavorCopies) => fs.readdirSync(copies.dir).filter((f) => f.startsWith('_'));

describe('applyDatabaseRequest on copies of the real flavor files', () => {
  let copies: FlavorCopies;
  beforeEach(() => {
    copies = copyFlavors();
  });
  afterEach(() => copies.cleanup());

  test(
    'Given germany-belgium.ts, when a k8s database is added, then the file gains ' +
      'exactly that entry, keeps its comments and mode, and no temporary file is left',
    () => {
      const before = copies.read('germany-belgium');
      fs.chmodSync(copies.file('germany-belgium'), 0o640);
      const result = run(copies, 'germany-belgium', { kind: 'add', name: 'search', platform: 'k8s', engine: 'postgres', instances: 2 });
      const after = copies.read('germany-belgium');
      expect(result.written).toBe(true);
      expect(after).toBe(result.after);
      const anchor = 'storageGiB: 100 },\n';
      const at = before.indexOf(anchor) + anchor.length;
      expect(after.slice(0, at)).toBe(before.slice(0, at));
      expect(after.slice(at)).toBe(`    search: { platform: 'k8s', engine: 'postgres', instances: 2, storageGiB: 100 },\n${before.slice(at)}`);
      expect(after).toContain('// AWS has one commercial region in Germany');
      expect(fs.statSync(copies.file('germany-belgium')).mode & 0o777).toBe(0o640);
      expect(leftovers(copies)).toEqual([]);
      expect(result.diff).toBe(
        [
          '--- a/flavors/germany-belgium.ts',
          '+++ b/flavors/germany-belgium.ts',
          '@@ -10,6 +10,7 @@',
          '   databases: {',
          "     ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5n.large', nodes: 3, volume: { sizeGiB: 200, type: 'gp3' } },",
          "     reports: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 100 },",
          "+    search: { platform: 'k8s', engine: 'postgres', instances: 2, storageGiB: 100 },",
          '   },',
          '   backup: { intervalHours: 1, retain: 72 },',
          "   failover: { dns: 'manual', database: 'manual' },",
          '',
        ].join('\n'),
      );
    },
  );

  test(
    'Given an instance type that is not R5 and too many nodes, when added, then ' +
      'the problems read as flavors validate prints them and nothing is written',
    () => {
      const before = copies.read('global');
      const mtime = fs.statSync(copies.file('global')).mtimeMs;
      let error: unknown;
      try {
        run(copies, 'global', { kind: 'add', name: 'search', platform: 'ec2', engine: 'postgres', instanceType: 'm5.large', nodes: 20 });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RequestValidationError);
      const e = error as RequestValidationError;
      expect(e.code).toBe('DB_REQUEST_INVALID');
      expect(e.problems.map(formatProblem)).toEqual([
        'flavors/global.ts: databases.search.instanceType: FLAVOR_DB_INSTANCE_TYPE_INVALID: instanceType ' +
          "'m5.large' is not an R5 type; ec2 databases run on R5 (e.g. 'r5.xlarge', 'r5b.2xlarge').",
        'flavors/global.ts: databases.search.nodes: FLAVOR_DB_NODES_INVALID: nodes must be an integer from 1 to 15, got 20.',
      ]);
      expect(copies.read('global')).toBe(before);
      expect(fs.statSync(copies.file('global')).mtimeMs).toBe(mtime);
      expect(leftovers(copies)).toEqual([]);
    },
  );

  test(
    'Given a file where a database name appears twice (the last wins at run ' +
      'time), when the first is resized, then DB_EDIT_MISMATCH and nothing is written',
    () => {
      const file = copies.file('global');
      const twice = copies
        .read('global')
        .replace('  },\n  backup', "    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },\n  },\n  backup");
      fs.writeFileSync(file, twice);
      expect(() => run(copies, 'global', { kind: 'resize', name: 'content', sizeGiB: 300 })).toThrow(
        expect.objectContaining({ code: 'DB_EDIT_MISMATCH' }),
      );
      expect(copies.read('global')).toBe(twice);
      expect(leftovers(copies)).toEqual([]);
    },
  );

  test(
    'Given the ec2 ledger of us-australia, when removed with --confirm-retain, then its ' +
      'lines go and every retained volume, secret, snapshot tag and the key are named per region',
    () => {
      const result = run(copies, 'us-australia', { kind: 'remove', name: 'ledger', confirmRetain: true });
      expect(copies.read('us-australia')).not.toContain('ledger');
      const ids = result.retained.map((r) => `${r.region} ${r.what}: ${r.id}`);
      for (const region of ['us-east-1', 'ap-southeast-2']) {
        for (const node of [0, 1, 2]) {
          expect(ids).toContain(
            `${region} EBS data volume: us-australia/${region}/ledger/Node${node}/Data (stack us-australia-${region}; ` +
              `tags flavors:flavor=us-australia, flavors:database=ledger, flavors:node=${node}, flavors:role=db-data)`,
          );
        }
        expect(ids).toContain(`${region} engine password secret: us-australia/${region}/ledger/Credentials (stack us-australia-${region})`);
        expect(ids).toContain(`${region} EBS snapshots: tags flavors:snapshot-target=us-australia/db-data, flavors:database=ledger`);
        expect(ids).toContain(`${region} flavor key: alias/flavors/us-australia (us-australia/${region}/Key)`);
      }
    },
  );

  test('Given the ec2 ledger, when it shrinks from 3 to 2 nodes, then the volumes of Node2 are reported as retained in each region', () => {
    const result = run(copies, 'global', { kind: 'resize', name: 'ledger', nodes: 2 });
    expect(result.retained.map((r) => r.id.split(' ')[0])).toEqual([
      'global/us-east-1/ledger/Node2/Data',
      'global/eu-west-1/ledger/Node2/Data',
      'global/ap-southeast-1/ledger/Node2/Data',
    ]);
  });
});

describe('applyDatabaseRequest with a branch', () => {
  let copies: FlavorCopies;
  beforeEach(() => {
    copies = copyFlavors({ git: true });
  });
  afterEach(() => copies.cleanup());

  test(
    'Given a clean checkout, when a resize runs with a branch, then the branch holds ' +
      'one commit changing only that file and HEAD, index and working tree are untouched',
    () => {
      fs.writeFileSync(`${copies.root}/notes.txt`, 'work in progress\n');
      git(copies.root, 'add', 'notes.txt');
      const head = git(copies.root, 'rev-parse', 'HEAD');
      const before = copies.read('global');
      const result = run(copies, 'global', { kind: 'resize', name: 'content', sizeGiB: 300 }, 'db/content-300');
      expect(result.written).toBe(false);
      expect(copies.read('global')).toBe(before);
      expect(git(copies.root, 'rev-parse', 'HEAD')).toBe(head);
      expect(git(copies.root, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
      expect(git(copies.root, 'status', '--porcelain')).toBe('A  notes.txt');
      expect(git(copies.root, 'rev-parse', 'db/content-300')).toBe(result.commit);
      expect(git(copies.root, 'rev-parse', 'db/content-300^')).toBe(head);
      expect(git(copies.root, 'diff', '--name-only', head, 'db/content-300')).toBe('flavors/global.ts');
      expect(git(copies.root, 'show', 'db/content-300:flavors/global.ts')).toBe(result.after.trimEnd());
      expect(git(copies.root, 'log', '-1', '--format=%s', 'db/content-300')).toBe(
        'flavors db resize global/content: k8s postgres 3 instances, 200 GiB each -> k8s postgres 3 instances, 300 GiB each',
      );
      expect(leftovers(copies)).toEqual([]);
    },
  );

  test.each<[string, (c: FlavorCopies) => void, string, string]>([
    ['the flavor file has uncommitted changes', (c) => fs.appendFileSync(c.file('global'), '// wip\n'), 'db/x', 'DB_BRANCH_FILE_DIRTY'],
    [
      'the flavor file is staged but not committed',
      (c) => {
        fs.appendFileSync(c.file('global'), '// wip\n');
        git(c.root, 'add', '.');
      },
      'db/x',
      'DB_BRANCH_FILE_DIRTY',
    ],
    ['the branch exists', (c) => git(c.root, 'branch', 'db/x'), 'db/x', 'DB_BRANCH_EXISTS'],
    ['the branch name is invalid', () => undefined, 'db..x', 'DB_BRANCH_INVALID'],
  ])('Given %s, when a request runs with a branch, then it is refused and nothing changes', (_what, arrange, branch, code) => {
    arrange(copies);
    const file = copies.read('global');
    const refs = git(copies.root, 'for-each-ref');
    expect(() => run(copies, 'global', { kind: 'resize', name: 'content', sizeGiB: 300 }, branch)).toThrow(expect.objectContaining({ code }));
    expect(copies.read('global')).toBe(file);
    expect(git(copies.root, 'for-each-ref')).toBe(refs);
  });

  test('Given a folder outside git, when a request runs with a branch, then DB_NOT_IN_GIT', () => {
    const plain = copyFlavors();
    try {
      expect(() => run(plain, 'global', { kind: 'resize', name: 'content', sizeGiB: 300 }, 'db/x')).toThrow(
        expect.objectContaining({ code: 'DB_NOT_IN_GIT' }),
      );
    } finally {
      plain.cleanup();
    }
  });
});
