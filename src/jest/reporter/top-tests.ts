import { formatSize } from '../../util/sizes';
import type { ReportedTest } from './memory-report';

/**
 * The most a test shows: its own figure or the biggest figure one of its memory matchers measured
 * per call (a test asserting on a 45 MB parse is a 45 MB test, though its body allocates 92 KiB).
 */
const largestFigure = (test: ReportedTest): number => Math.max(test.allocated, ...(test.matchers ?? []).map((m) => m.bytes));

/** The tests that show most, biggest first. */
export function topTests(tests: readonly ReportedTest[], top: number): ReportedTest[] {
  return [...tests].sort((a, b) => largestFigure(b) - largestFigure(a)).slice(0, top);
}

/** `toAllocateLessThan: 45 MiB allocated per call, toLeak: +12 B per call`. */
export function matcherFigures(test: ReportedTest): string {
  return (test.matchers ?? [])
    .map((m) => `${m.matcher}: ${m.figure === 'growth' ? `${formatSize(m.bytes, true)} per call` : `${formatSize(m.bytes)} ${m.figure} per call`}${m.pass ? '' : ' (failed)'}`)
    .join(', ');
}

/** The terminal table of the tests that allocated most, like pytest's slowest durations. */
export function topTestsTable(tests: readonly ReportedTest[], top: number): string {
  const sorted = topTests(tests, top);
  if (sorted.length === 0) return '';
  const sizes = sorted.map((t) => formatSize(t.allocated));
  const width = Math.max(...sizes.map((s) => s.length));
  const lines = sorted.map((t, i) => {
    const matchers = matcherFigures(t);
    return `  ${(sizes[i] as string).padStart(width)}  ${t.file} › ${t.name}${matchers ? `  [${matchers}]` : ''}`;
  });
  return `Top ${sorted.length} test${sorted.length === 1 ? '' : 's'} by bytes allocated (jest-tracemalloc):\n${lines.join('\n')}\n`;
}
