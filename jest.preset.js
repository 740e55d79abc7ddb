// `preset: 'jest-tracemalloc'`: per-test figures (environment + runner), the memory matchers, and
// the report. Paths are resolved here, since Jest resolves a preset's paths against the user's rootDir.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: require.resolve('./build/environment.js'),
  testRunner: require.resolve('./build/runner.js'),
  setupFilesAfterEnv: [require.resolve('./build/matchers.js')],
  reporters: ['default', require.resolve('./build/reporter.js')],
};
