// ESLint flat config: type-aware rules over all TypeScript sources, and the module dependency table
// (scripts/lint/boundaries.js, the README's "Dependency table") enforced on every import by weir/boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { weirPlugin } from './scripts/lint/eslint-plugin.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'test-output/**',
      'dist-*/**',
      'node_modules/**',
      'crds/**',
      'bin/**',
      'scripts/*.js',
      'scripts/lint/*.js',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { weir: weirPlugin },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'weir/boundaries': 'error',
    },
  },
  {
    files: ['src/cli/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
