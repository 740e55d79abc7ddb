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

/** What one memory matcher of a test measured: the figure it compared, per call. */
export interface MatcherFigure {
  /** `toAllocateLessThan`, `toRetainLessThan`, `toLeak` or `toMatchAllocationBaseline`. */
  matcher: string;
  /** Which figure: bytes allocated or retained per call, or memory growth per call (toLeak). */
  figure: 'allocated' | 'retained' | 'growth';
  /** Bytes per call. */
  bytes: number;
  /** The limit it was held to (the budget matchers), or the baseline. */
  limit?: number;
  /** Whether the assertion held (with `.not`, as the test reads it). */
  pass: boolean;
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
  /**
   * The memory matchers of the test and what each measured. Their calls are not in the test's own
   * figures (which would otherwise be the matchers' warm-up and repeated calls).
   */
  matchers?: MatcherFigure[];
  /** Times the body ran (more than 1 with `jest.retryTimes`); figures are the last attempt's. */
  attempts: number;
  /** A `test.concurrent` test: its figures include what its siblings allocated while it ran. */
  concurrent?: true;
}

/** The version of what the environment hands the reporter through the runner. */
export const FILE_MEMORY_VERSION = 1;

export interface FileMemory {
  version: typeof FILE_MEMORY_VERSION;
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
