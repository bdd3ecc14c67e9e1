import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// Lines ≤ 150 columns (Prettier's printWidth). Prettier leaves long strings and comments as they are, and
// ESLint's max-len is deprecated, so this test holds the limit: split a long string with `+` at a word
// boundary, and wrap a long comment.
const MAX_COLUMNS = 150;
const ROOT = path.resolve(__dirname, '..');
const CHECKED = /\.(ts|js|mjs|cjs|json|ya?ml|sql)$/;
// The hostile corpus is input data, and the CRD schemas are copied verbatim from upstream.
const EXEMPT = [/^test\/fixtures\//, /^lib\/k8s\/schemas\//, /^package-lock\.json$/];

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter((f) => CHECKED.test(f) && !EXEMPT.some((re) => re.test(f)) && fs.existsSync(path.join(ROOT, f)));
}

test('Given the tracked source files, When their lines are measured, Then none is longer than 150 columns', () => {
  const files = trackedFiles();
  const long = files.flatMap((file) =>
    fs
      .readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const columns = [...line].length;
        return columns > MAX_COLUMNS ? [`${file}:${i + 1} (${columns} columns)`] : [];
      }),
  );
  expect(files.length).toBeGreaterThan(100);
  expect(long).toEqual([]);
});
