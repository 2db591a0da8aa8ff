/** Unit and synth tests run in parallel; lab tests share one set of lab hosts, so they run one file at a time. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];
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
      displayName: 'lab',
      testMatch: ['<rootDir>/test/lab/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
  ],
};
