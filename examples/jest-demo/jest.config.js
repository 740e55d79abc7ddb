// The demo suite of `npm run examples`: the preset of this repository (a user writes
// `preset: 'jest-tracemalloc'`), with per-test allocation sites on.
const { join } = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  preset: join(__dirname, '..', '..', 'jest-preset.js'),
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { module: 'commonjs', target: 'ES2022', types: ['jest', 'node'] } }],
  },
  testEnvironmentOptions: { tracemalloc: { sites: true } },
  reporters: ['default', [join(__dirname, '..', '..', 'build', 'reporter.js'), { outputFile: '../../.tmp/jest-demo/memory-report.json', top: 6 }]],
};
