/**
 * Three tiers: `unit` — *.spec.ts next to the code, no I/O; `integration` —
 * test/**\/*.int-spec.ts and *.e2e-spec.ts against the real broker and database, which the global
 * setup starts unless KAFKA_BROKERS / DATABASE_URL point at running ones; `fault` —
 * test/fault-tier/*.fault-spec.ts, process kills under load on its own brokers and databases
 * (npm test runs it after the other two, see tools/test/run-tests.js).
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testEnvironmentOptions: { globalsCleanup: 'off' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/', '<rootDir>/.data/'],
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
      globalTeardown: '<rootDir>/test/setup/global-teardown.js',
      setupFilesAfterEnv: ['<rootDir>/test/setup/infra-guard.ts'],
      testTimeout: 120000,
      slowTestThreshold: 30,
    },
    {
      // SIGKILLs real brokers, PostgreSQL and apps under load (docs/reliability.md). One file, so its
      // scenarios run in sequence; each starts its own infrastructure (no global setup).
      ...shared,
      displayName: 'fault',
      testMatch: ['<rootDir>/test/fault-tier/**/*.fault-spec.ts'],
      testTimeout: 300000,
      slowTestThreshold: 300,
    },
  ],
};
