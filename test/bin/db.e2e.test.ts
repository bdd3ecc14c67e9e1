// The db command's infrastructure diff synthesizes HEAD and the edit: npm run test:e2e.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runFlavors } from '../helpers/run-cli';
describe('flavors db with the infrastructure diff (synthesizes HEAD and the edit)', () => {
  let repo: string;
  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-db-infra-'));
    expect(spawnSync('git', ['clone', '--quiet', ROOT, repo]).status).toBe(0);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('Given the ledger volumes grow, when db resize runs, then the per-flavor diff shows the data volumes changed in place, none replaced', () => {
    const { status, stdout, stderr } = runFlavors(['db', 'resize', 'germany-belgium', 'ledger', '--size-gib', '300'], {
      cwd: repo,
      timeoutMs: 240000,
    });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('Infrastructure diff of flavor germany-belgium (flavors diff --base HEAD):');
    expect(stdout).toContain('| `germany-belgium` | changed | 0 | 3 | 0 | 0 |');
    for (const node of [0, 1, 2]) {
      expect(stdout).toMatch(
        new RegExp(`\\| \`germany-belgium-eu-central-1\` \\| \`ledgerNode${node}Data[0-9A-F]+\` \\| \`AWS::EC2::Volume\` \\| changed \\| Size \\|`),
      );
    }
    expect(stdout).not.toContain('CAUTION');
  }, 240000);
});
