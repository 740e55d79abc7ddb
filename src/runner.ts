// `testRunner: 'jest-tracemalloc/runner'`: Jest's circus runner, carrying each file's figures to the reporters.
export { default } from './jest/runtime/runner';
