import { formatSize } from '../../util/sizes';
import type { ReportedTest } from './memory-report';
import { matcherFigures, topTests } from './top-tests';
import type { BaselineSummary } from '../baselines/baseline-store';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** The Markdown summary for CI job pages ($GITHUB_STEP_SUMMARY): totals and the top tests. */
export function markdownSummary(tests: readonly ReportedTest[], top: number, baselines: readonly BaselineSummary[] = []): string {
  const total = tests.reduce((sum, t) => sum + t.allocated, 0);
  const files = new Set(tests.map((t) => t.file)).size;
  const lines = [
    '### jest-tracemalloc: memory per test',
    '',
    `${tests.length} test${tests.length === 1 ? '' : 's'} measured in ${files} file${files === 1 ? '' : 's'}, ${formatSize(total)} allocated in all.`,
  ];
  const sorted = topTests(tests, top);
  if (sorted.length > 0) {
    lines.push('', `| Test | Allocated | Heap | External | Peak | Matchers (per call) |`, '| --- | ---: | ---: | ---: | ---: | --- |');
    for (const t of sorted) {
      lines.push(
        `| \`${cell(t.file)}\` › ${cell(t.name)} | ${formatSize(t.allocated)} | ${formatSize(t.heap)} | ${formatSize(t.external)} | ${formatSize(t.peak)} | ${cell(matcherFigures(t))} |`,
      );
    }
  }
  const regressions = baselines.flatMap((b) => b.regressions.map((r) => ({ ...r, file: b.file })));
  if (regressions.length > 0) {
    lines.push('', `**${regressions.length} allocation baseline regression${regressions.length === 1 ? '' : 's'}**`, '', '| Baseline | File | Baseline | Now | Change |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of regressions) {
      const change = ((r.now - r.baseline) / Math.abs(r.baseline)) * 100;
      const pct = r.baseline === 0 ? '' : ` (${change >= 0 ? '+' : ''}${change.toFixed(1)}%)`;
      lines.push(`| ${cell(r.key)}${r.figure === 'retained' ? ' (retained)' : ''} | \`${cell(r.file)}\` | ${formatSize(r.baseline)} | ${formatSize(r.now)} | ${formatSize(r.now - r.baseline, true)}${pct} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
