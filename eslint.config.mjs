import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-cdktn/', '.flavours/', 'cdktf.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Jest loads its config and global setup as CommonJS.
    files: ['jest.config.js', 'test/global-setup.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core sits below the constructs: nothing in src/ may know a construct exists.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // constructs/, and the top-level files above src/ (reached only by going up past src/).
              regex: '^(\\.\\./)+(constructs(/.*)?|index|registry|runner)$',
              message:
                'src/ is the core: it never imports constructs/ or the top-level entries that gather them.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests walk synthesized Terraform JSON, whose shape is Terraform's, not ours.
    files: ['test/**/*.ts', 'constructs/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
