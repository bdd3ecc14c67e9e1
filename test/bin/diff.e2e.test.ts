// Through the real CLI: `flavors diff` synthesizes base and head with the CDK app (npm run test:e2e).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runFlavors } from '../helpers/run-cli';

describe('flavors diff', () => {
  let repo: string;

  beforeAll(() => {
    // Given a clone of this repository (its committed HEAD is the base)
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-diff-test-'));
    expect(spawnSync('git', ['clone', '--quiet', ROOT, repo]).status).toBe(0);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  });

  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('a region dropped from a flavor and a new flavor show up per flavor, with stateful removals called out', () => {
    // When a PR drops ap-southeast-1 from global and adds a flavor
    const global = path.join(repo, 'flavors', 'global.ts');
    fs.writeFileSync(global, fs.readFileSync(global, 'utf-8').replace("    { region: 'ap-southeast-1', role: 'fallback' },\n", ''));
    fs.writeFileSync(
      path.join(repo, 'flavors', 'canada.ts'),
      `import { defineFlavor } from '../lib/flavor';
export default defineFlavor({ name: 'canada', residency: { countries: ['CA'] },
  regions: [{ region: 'ca-central-1', role: 'primary' }, { region: 'ca-west-1', role: 'fallback' }] });
`,
    );
    const out = path.join(repo, 'diff.md');
    const matrixFile = path.join(repo, 'deploy.json');
    const { status, stderr } = runFlavors(['diff', '--base', 'HEAD', '--out', out, '--fail-on-replace', '--matrix', matrixFile], {
      cwd: repo,
      timeoutMs: 120000,
    });
    // Then the Markdown summary names both flavors and the data that would be lost
    const markdown = fs.readFileSync(out, 'utf-8');
    expect(markdown).toMatch(/^## flavors diff against `HEAD`/);
    expect(markdown).toMatch(/\| `canada` \| added \| [1-9]\d* \| 0 \| 0 \| 0 \|/);
    expect(markdown).toMatch(/\| `global` \| changed \| 0 \| \d+ \| \d+ \| [1-9]\d* \|/);
    expect(markdown).toMatch(/\| `us-australia` \| unchanged \| 0 \| 0 \| 0 \| 0 \|/);
    expect(markdown).toContain('> [!CAUTION]');
    expect(markdown).toMatch(/- \*\*removed\*\* `AWS::Logs::LogGroup` `\w+` in `global-ap-southeast-1`/);
    expect(stderr).toMatch(/stateful resource\(s\) would be replaced or removed/);
    // And the deploy plan puts global (stateful removal) behind the approval environment, the others not
    const matrix = JSON.parse(fs.readFileSync(matrixFile, 'utf-8'));
    expect(matrix.controlPlane).toMatchObject({ stage: 'control-plane', region: 'us-east-1', environment: 'flavors-deploy' });
    expect(matrix.flavors.map((j: { stage: string; environment: string }) => `${j.stage}:${j.environment}`)).toEqual([
      'canada:flavors-deploy',
      'germany-belgium:flavors-deploy',
      'global:flavors-deploy-approval',
      'us-australia:flavors-deploy',
    ]);
    expect(matrix.flavors.find((j: { stage: string }) => j.stage === 'canada')).toMatchObject({ region: 'ca-central-1' });
    // And --fail-on-replace turns that into exit 1 for CI gates (without it the exit is 0: diffExitCode's test)
    expect(status).toBe(1);
  });
});
