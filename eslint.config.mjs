// ESLint: typescript-eslint's recommended type-checked rules over every TypeScript file of the project.
// Formatting is Prettier's job (prettier --check runs in `npm test`), so no stylistic rules here.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', 'test/fixtures/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
);
