import type { Circus } from '@jest/types';
import type { Deadline } from '../../measure/drive';
import { deadlineOf } from '../runtime/bridge';
import type { FileSampling } from './file-sampling';
import type { MatcherFigure, TestMemory, TestSite } from './test-memory';
import { TestWindow } from './test-window';

interface OpenTest {
  key: number;
  window: TestWindow;
  /** A memory matcher ran in it: its whole-test figure is mostly the matcher's leftovers. */
  measuredByMatcher: boolean;
  /** When Jest times the test out: its matchers stop measuring there. */
  deadline: Deadline;
  /** What its memory matchers measured (this attempt's). */
  matchers: MatcherFigure[];
}

/** A test's figures, with what the environment needs to judge them. */
export interface FinishedTest {
  record: TestMemory & { key: number };
  /** A memory matcher ran in it. */
  measuredByMatcher: boolean;
}

/** Describe titles and the test title joined with spaces: Jest's `fullName`. */
export function fullTestName(test: Circus.TestEntry): string {
  const titles: string[] = [];
  for (let block: Circus.TestEntry | Circus.DescribeBlock | undefined = test; block?.parent; block = block.parent) titles.unshift(block.name);
  return titles.join(' ');
}

/**
 * Each test body's figures (from `test_fn_start` to its end, hooks excluded): a window per open
 * test, paused while a memory matcher measures, so that what the matcher runs is not the test's.
 */
export class TestFigures {
  private readonly open = new Map<Circus.TestEntry, OpenTest>();
  private readonly records = new Map<Circus.TestEntry, FinishedTest>();
  private pauses = 0;
  /** Pauses of an earlier generation (a matcher that never settled) are not waited for. */
  private generation = 0;
  private nextKey = 0;

  constructor(
    private readonly retained: () => boolean,
    private readonly sampling: FileSampling,
    private readonly warn: (warning: string) => void,
  ) {}

  start(test: Circus.TestEntry, state: Circus.State): void {
    if (this.pauses > 0 && this.open.size === 0) {
      // a matcher of an earlier test never settled (it timed out, or was not awaited)
      this.warn(`a memory matcher of an earlier test never finished; "${fullTestName(test)}" and later tests are measured regardless`);
      this.pauses = 0;
      this.generation++;
    }
    const key = this.nextKey++;
    const window = new TestWindow(this.retained());
    const deadline = deadlineOf(performance.now(), test.timeout || state.testTimeout);
    this.open.set(test, { key, window, measuredByMatcher: false, deadline, matchers: [] });
    if (this.pauses === 0) {
      this.sampling.mark(key, true);
      window.resume();
    }
  }

  finish(test: Circus.TestEntry): void {
    const open = this.open.get(test);
    if (!open) return;
    this.open.delete(test);
    const figures = open.window.finish();
    if (this.pauses === 0) this.sampling.mark(open.key, false); // paused: already closed
    const record: TestMemory & { key: number } = {
      key: open.key,
      name: fullTestName(test),
      allocated: figures.allocated.heap + figures.allocated.external,
      heap: figures.allocated.heap,
      external: figures.allocated.external,
      peak: figures.peak,
      attempts: (this.records.get(test)?.record.attempts ?? 0) + 1,
    };
    if (figures.retained) {
      record.retained = figures.retained.heap + figures.retained.external;
      record.retainedHeap = figures.retained.heap;
      record.retainedExternal = figures.retained.external;
    }
    if (open.matchers.length > 0) record.matchers = open.matchers;
    if (test.concurrent) record.concurrent = true;
    this.records.set(test, { record, measuredByMatcher: open.measuredByMatcher });
  }

  /** The figures of the test's last attempt, once its body ended. */
  finished(test: Circus.TestEntry): FinishedTest | undefined {
    return this.records.get(test);
  }

  /** A matcher measures: what it runs is not the tests'. Returns the token `resume()` takes. */
  pause(): number {
    for (const open of this.open.values()) open.measuredByMatcher = true;
    if (this.pauses++ > 0) return this.generation;
    // windows first, then the marks: a mark's allocation is no open window's
    for (const { window } of this.open.values()) window.pause();
    for (const { key } of this.open.values()) this.sampling.mark(key, false);
    return this.generation;
  }

  resume(token: number): void {
    if (token !== this.generation || this.pauses === 0 || --this.pauses > 0) return;
    for (const { key } of this.open.values()) this.sampling.mark(key, true);
    for (const { window } of this.open.values()) window.resume();
  }

  /** When the running test times out (the latest one started, with concurrent tests). */
  deadline(): Deadline | undefined {
    return [...this.open.values()].pop()?.deadline;
  }

  /** A matcher's figure goes to its test (by name; the running one when not found). */
  recordMatcher(testName: string | undefined, figure: MatcherFigure): void {
    const open = [...this.open.entries()];
    const test = open.find(([entry]) => fullTestName(entry) === testName) ?? open[open.length - 1];
    test?.[1].matchers.push(figure);
  }

  /** Stops every open window (their GC profilers): after an internal error, or at teardown. */
  stop(): void {
    for (const { window } of this.open.values()) {
      try {
        window.pause();
      } catch {
        // already reported
      }
    }
    this.open.clear();
  }

  /** The figures of every test that ran, with their sites when recorded. */
  tests(sites: Map<number, TestSite[]> | null): TestMemory[] {
    return [...this.records.values()].map(({ record: { key, ...record } }) => (sites ? { ...record, sites: sites.get(key) ?? [] } : record));
  }
}
