import { formatSize } from '../../core/units';
import type { ReportedTest } from './memory-report';

/** The terminal table of the tests that allocated most, like pytest's slowest durations. */
export function topTestsTable(tests: readonly ReportedTest[], top: number): string {
  const sorted = [...tests].sort((a, b) => b.allocated - a.allocated).slice(0, top);
  if (sorted.length === 0) return '';
  const sizes = sorted.map((t) => formatSize(t.allocated));
  const width = Math.max(...sizes.map((s) => s.length));
  const lines = sorted.map((t, i) => `  ${(sizes[i] as string).padStart(width)}  ${t.file} › ${t.name}`);
  return `Top ${sorted.length} test${sorted.length === 1 ? '' : 's'} by bytes allocated (jest-tracemalloc):\n${lines.join('\n')}\n`;
}
