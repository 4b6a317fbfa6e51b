/** Unit specs sit beside the code; integration and e2e tests live under test/. */
const moduleNameMapper = {
  '^@gridcore/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
  '^@gridcore/queue(|/.*)$': '<rootDir>/libs/queue/src$1',
  '^@gridcore/worker$': '<rootDir>/libs/queue/src/worker-sdk.ts',
  '^@gridcore/config(|/.*)$': '<rootDir>/libs/config/src$1',
  '^@gridcore/docker-runtime(|/.*)$': '<rootDir>/libs/docker-runtime/src$1',
  '^@gridcore/operator(|/.*)$': '<rootDir>/libs/operator/src$1',
  '^@gridcore/gateway(|/.*)$': '<rootDir>/libs/gateway/src$1',
};
module.exports = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(apps|libs|test|scripts)/.*\\.(spec|e2e-spec|int-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testEnvironment: 'node',
  moduleNameMapper,
  testTimeout: 60000,
};
