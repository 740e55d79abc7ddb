// The Jest preset. It stays minimal until the Jest plugin (environment, matchers, reporter) lands.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
};
