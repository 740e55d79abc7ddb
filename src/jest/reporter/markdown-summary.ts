import { formatSize } from '../../core/units';
import type { ReportedTest } from './memory-report';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** The Markdown summary for CI job pages ($GITHUB_STEP_SUMMARY): totals and the top tests. */
export function markdownSummary(tests: readonly ReportedTest[], top: number): string {
  const total = tests.reduce((sum, t) => sum + t.allocated, 0);
  const files = new Set(tests.map((t) => t.file)).size;
  const lines = [
    '### jest-tracemalloc: memory per test',
    '',
    `${tests.length} test${tests.length === 1 ? '' : 's'} measured in ${files} file${files === 1 ? '' : 's'}, ${formatSize(total)} allocated in all.`,
  ];
  const sorted = [...tests].sort((a, b) => b.allocated - a.allocated).slice(0, top);
  if (sorted.length > 0) {
    lines.push('', `| Test | Allocated | Heap | External | Peak |`, '| --- | ---: | ---: | ---: | ---: |');
    for (const t of sorted) {
      lines.push(`| \`${cell(t.file)}\` › ${cell(t.name)} | ${formatSize(t.allocated)} | ${formatSize(t.heap)} | ${formatSize(t.external)} | ${formatSize(t.peak)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
