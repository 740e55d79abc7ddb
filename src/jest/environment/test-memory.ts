import type { BaselineSummary } from '../baselines/baseline-store';

// What the environment measured for one file, carried to reporters on Jest's test file result.

/** One allocating function of a test (sampled: sizes are estimates). */
export interface TestSite {
  /** Absolute path of the original source. */
  file: string;
  /** 1-based line where the function starts. */
  line: number;
  function: string;
  /** Bytes (estimated from samples). */
  size: number;
  /** Samples. */
  count: number;
}

export interface TestMemory {
  /** Full test name: describe titles and the test title, joined with spaces, as Jest's `fullName`. */
  name: string;
  /** Bytes allocated by the test body, heap + external, garbage included. */
  allocated: number;
  heap: number;
  external: number;
  /** Highest heap + external in use during the body, above where it started (seen at GCs and at the end). */
  peak: number;
  /** Bytes still reachable after the body and a full GC (with `retained: true`). */
  retained?: number;
  retainedHeap?: number;
  retainedExternal?: number;
  /** Top allocating functions (with `sites`). */
  sites?: TestSite[];
  /** Times the body ran (more than 1 with `jest.retryTimes`); figures are the last attempt's. */
  attempts: number;
  /** A `test.concurrent` test: its figures include what its siblings allocated while it ran. */
  concurrent?: true;
}

export interface FileMemory {
  version: 1;
  tests: TestMemory[];
  /** Set when sites were recorded: the sampling interval in bytes. */
  samplingInterval?: number;
  /** Problems that cost figures but not the run, e.g. a test the environment could not follow. */
  warnings: string[];
  /** What happened to the file's allocation baselines. */
  baselines?: BaselineSummary;
}

/** The field of Jest's TestResult that carries a file's figures (see runner.ts). */
export const RESULT_FIELD = 'tracemalloc';
