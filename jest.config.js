/** Unit specs beside the code, e2e specs under test/; `npm test` runs both against real Postgres and Redis. */
// content-disposition (pulled in by @fastify/static, which serves the OpenAPI page) ships only ESM,
// which Node loads natively but Jest does not: let ts-jest compile that one package.
const transform = {
  '^.+\\.ts$': ['ts-jest', {}],
  'node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // A global option: Jest ignores testTimeout inside `projects`. E2E boots take seconds on a busy machine.
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
