import { diffExitCode } from '../../bin/commands/diff';
import { runFlavors, runFlavorsInProcess } from '../helpers/run-cli';

// The synthesizing run (base vs head, CAUTION block, --matrix, --fail-on-replace) is diff.e2e.test.ts. The unknown base
// runs bin/flavors.js (exit status, stderr of a real process); the missing --base runs runCli in this process.
describe('flavors diff: arguments', () => {
  test('an unknown base is one clear error', () => {
    const { status, stderr } = runFlavors(['diff', '--base', 'no-such-branch']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error DIFF_BASE_UNKNOWN: 'no-such-branch' is not a commit in this repository/);
  });

  test('--base is required', async () => {
    const { status, stderr } = await runFlavorsInProcess(['diff']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CLI_BAD_ARGUMENTS: --base <git-ref> is required/);
  });
});

describe('diffExitCode', () => {
  test.each([
    [0, false, 0],
    [0, true, 0],
    [2, false, 0],
    [2, true, 1],
  ])('Given %i stateful replacements and fail-on-replace=%s, Then the exit code is %i', (count, failOnReplace, code) => {
    expect(diffExitCode(count, failOnReplace)).toBe(code);
  });
});
