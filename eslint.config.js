// Lint rules that catch bugs the type checker does not: promises nobody awaits (a failed
// capture that vanishes, a socket write whose error is lost) above all, in every project.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'testdata/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's test() returns a promise the runner tracks itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The rules the code's eslint-disable comments name: control characters in a regex are
      // meant only at the terminal choke point and the log parsers; == null is the one loose
      // equality allowed; fallthrough only where a comment says so.
      'no-control-regex': 'error',
      eqeqeq: ['error', 'smart'],
      'no-fallthrough': 'error',
    },
  },
  {
    // Tests look for escape bytes on purpose (that none reaches a terminal).
    files: ['test/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
);
