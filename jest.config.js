// Two projects: `unit` runs pure code only; `integration` talks to real parts (Pub/Sub emulator, DuckDB,
// the QBO simulator over HTTP). The global setup starts the emulators when the environment does not name them.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2023' }, sourceMaps: 'inline' }] };
module.exports = {
  transform,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { displayName: 'unit', transform, testEnvironment: 'node', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      displayName: 'integration',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 60000,
};
