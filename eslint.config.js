// ESLint flat config for the whole workspace; each project's `lint` script runs `eslint .` from its folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { plugin as ghr } from '@ghr/eslint-rules';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/coverage/**', '**/cdk.out/**', '**/node_modules/**', '**/*.d.ts', '**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { ghr },
    rules: {
      'ghr/module-boundaries': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only (STYLE.md).' },
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Libraries do not read process.env: take it as an option; apps read it once in config.ts.',
        },
      ],
    },
  },
  {
    // Apps, the CLI, tooling and tests may talk to the console and the environment.
    files: ['apps/**', 'packages/cli/**', 'tools/**', '**/*.test.ts', '**/test/**', '**/*.config.ts', '**/bench/**'],
    rules: { 'no-console': 'off', 'no-restricted-syntax': 'off' },
  },
);
