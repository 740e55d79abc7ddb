// `reporters: ['default', 'jest-tracemalloc/reporter']`: the tests that allocate most, memory-report.json
// with every test's figures, and a Markdown summary for CI job pages.
export { default } from './jest/reporter/reporter';
export type { ReporterOptions, MemoryReport, ReportedTest } from './jest/reporter/reporter';
