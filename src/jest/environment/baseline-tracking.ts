import type { Circus } from '@jest/types';
import { formatSize } from '../../util/sizes';
import { BaselineStore, WHOLE_TEST, type BaselineSummary, type UpdateMode } from '../baselines/baseline-store';
import { describeTolerance } from '../baselines/tolerance';
import type { EnvironmentSettings } from './options';
import { fullTestName, type FinishedTest } from './test-figures';

/**
 * The file's allocation baselines through Jest's events: skipped, filtered and failed tests keep
 * their entries, a retried test's failed attempt is undone (as jest-snapshot does on `test_retry`),
 * and with `baselines.everyTest` each test's own figure is checked against its baseline.
 */
export class BaselineTracking {
  readonly store: BaselineStore;
  /** Tests whose whole-test baseline failed: the error is added when the test is done. */
  private readonly failures = new Map<Circus.TestEntry, string>();
  /** Every test of the file had its turn (run_finish came): only then are entries obsolete. */
  private ranToEnd = false;

  constructor(
    testPath: string,
    mode: UpdateMode,
    private readonly settings: () => EnvironmentSettings,
  ) {
    this.store = new BaselineStore(testPath, mode);
  }

  retry(test: Circus.TestEntry): void {
    this.store.retry(fullTestName(test));
    this.failures.delete(test);
  }

  /** Filtered out (-t) or skipped: its baselines stay. */
  skipped(test: Circus.TestEntry): void {
    this.store.keep(fullTestName(test));
  }

  /**
   * `baselines.everyTest`: a passed test's own figure against its baseline. A test with memory
   * matchers has its assertions; what is left of its figure around them is V8 finishing the
   * matchers' compilations at random times (+100 to +560 KiB from run to run).
   */
  passed(test: Circus.TestEntry, { record, measuredByMatcher }: FinishedTest): void {
    const { everyTest, wholeTestTolerance: tolerance, failOnImprovement } = this.settings().baselines;
    if (!everyTest || measuredByMatcher) return;
    const key = `${record.name}${WHOLE_TEST}`;
    const now = { allocated: record.allocated, heap: record.heap, external: record.external, ...(record.retained !== undefined ? { retained: record.retained } : {}) };
    const check = this.store.check(key, now, tolerance, failOnImprovement);
    this.failures.delete(test);
    if (check.status !== 'failed') return;
    const base = check.baseline;
    this.failures.set(
      test,
      check.problem ??
        `Allocation baseline ${JSON.stringify(key)} in ${check.file}\n` +
          `Baseline: ${formatSize(base?.allocated ?? 0)}\nNow:      ${formatSize(now.allocated)}\n` +
          `Change:   ${formatSize(now.allocated - (base?.allocated ?? 0), true)}; tolerance ${describeTolerance(tolerance)}\n\n` +
          'If the change is intended, run `jest -u` to accept the new figure.',
    );
  }

  /** The test is done: a failed whole-test baseline fails it; a test that failed early keeps its entries. */
  done(test: Circus.TestEntry): void {
    const failure = this.failures.get(test);
    this.failures.delete(test);
    this.store.ran(fullTestName(test));
    if (failure && test.errors.length === 0) test.errors.push(new Error(failure));
    else if (test.errors.length > 0) this.store.keep(fullTestName(test));
  }

  runFinished(): void {
    this.ranToEnd = true;
  }

  finish(): BaselineSummary | null {
    return this.store.finish(this.ranToEnd);
  }
}
