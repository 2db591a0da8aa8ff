/** Unit and synth tests run in parallel; lab tests share one set of lab hosts, so they run one file at a time. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];
/**
 * The cdktn flavour (package cdktn-failover) at run time: the one framework import and the
 * flavour's own files swapped, as the build generates it; cdktn and its constructs from their own
 * folder (test/lab/require-prerequisites.mjs --cdktn installs them).
 */
const CDKTN = '<rootDir>/.flavours/cdktn/node_modules';
const cdktnFlavour = {
  '^cdktf$': `${CDKTN}/cdktn`,
  '^constructs$': `${CDKTN}/constructs`,
  '^(.*)/flavour$': '$1/flavour.cdktn',
  '^(.*)/null-engine$': '$1/null-engine.cdktn',
};
module.exports = {
  globalSetup: '<rootDir>/test/global-setup.js',
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/constructs/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'synth',
      testMatch: ['<rootDir>/test/synth/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'synth-cdktn',
      testMatch: ['<rootDir>/test/synth/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/require-cdktn.ts'],
      moduleNameMapper: cdktnFlavour,
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'lab',
      testMatch: ['<rootDir>/test/lab/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
  ],
};
