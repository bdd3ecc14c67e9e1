// ESLint: typescript-eslint's recommended type-checked rules over every TypeScript file of the project.
// Formatting and line length are Prettier's job plus test/style.test.ts (ESLint's max-len is deprecated), so no
// stylistic rules here. `npm run lint` is `eslint --cache` (.cache/eslint/); `npm test` lints through
// scripts/check.mjs, which reads this config and hands typescript-eslint the type check's program; see README "Tests".
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';

// The lint cache lives in .cache/ (it survives `npm ci`, like jest's), and ESLint keys it by file content and this
// config. Typed rules also read the installed packages' types, so the config carries a hash of the lock file:
// installing other versions re-lints every file.
const lockHash = createHash('sha1')
  .update(readFileSync(new URL('./package-lock.json', import.meta.url)))
  .digest('hex');

export default tseslint.config(
  { settings: { 'flavors/package-lock': lockHash } },
  { ignores: ['node_modules/', '.cache/', 'dist/', 'cdk.out/', 'coverage/', 'test/fixtures/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    // One program from tsconfig.json for every linted file: measured ~30% less CPU than `projectService`, which
    // builds the same program through the language service. tsconfig.json includes every folder linted here.
    // scripts/check.mjs overrides it with `programs` (the program its type check already built).
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Tests read synthesized CloudFormation templates, parsed CLI output and JSON fixtures, which are `any`
    // by nature; typing every template path would add noise without catching bugs. Source and bench keep them.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
