/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/helpers/node-realm-environment.js',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/ui'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true }],
    // Lit ships only ES modules; jest runs CommonJS, so those packages are transpiled too.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(lit|lit-html|lit-element|@lit)/)'],
  // Real models and photos make some suites slow; keep a generous per-test budget (never used as a speed assertion).
  testTimeout: 300000,
  maxWorkers: 2,
};
