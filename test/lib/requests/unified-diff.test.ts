import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unifiedDiff } from '../../../lib/requests/unified-diff';

function gitApply(before: string, diff: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-udiff-'));
  try {
    fs.mkdirSync(path.join(dir, 'flavors'));
    fs.writeFileSync(path.join(dir, 'flavors', 'f.ts'), before);
    const r = spawnSync('git', ['apply', '-'], { cwd: dir, input: diff, encoding: 'utf-8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return fs.readFileSync(path.join(dir, 'flavors', 'f.ts'), 'utf-8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

describe('unifiedDiff', () => {
  test.each([
    ['an insertion in the middle', lines(20), lines(20).replace('line 10\n', 'line 10\nnew\n')],
    ['a removal at the start', lines(10), lines(10).replace('line 1\n', '')],
    ['a change on the last line', lines(10), lines(10).replace('line 10', 'line ten')],
    ['changes on two nearby lines', lines(10), lines(10).replace('line 4', 'four').replace('line 6', 'six')],
    ['an insertion at the end', lines(3), `${lines(3)}added\n`],
  ])('Given %s, when diffed, then git apply turns the old text into the new one', (_what, before, after) => {
    const diff = unifiedDiff(before, after, 'flavors/f.ts');
    expect(diff.startsWith('--- a/flavors/f.ts\n+++ b/flavors/f.ts\n@@ ')).toBe(true);
    expect(gitApply(before, diff)).toBe(after);
  });

  test('Given the same text, then the diff is empty', () => {
    expect(unifiedDiff('a\n', 'a\n', 'f')).toBe('');
  });
});
