import type { BaselineSummary } from '../baselines/baseline-store';

type Count = 'written' | 'updated' | 'matched' | 'failed' | 'improved' | 'removed';

const total = (files: readonly BaselineSummary[], field: Count): number => files.reduce((n, f) => n + (f[field] ?? 0), 0);

const obsoleteEntries = (files: readonly BaselineSummary[]): string[] => files.flatMap((f) => f.obsolete.map((key) => `${f.file}: ${key}`));

/** "Allocation baselines: 2 written, 1 failed, 3 obsolete (jest -u removes them).", as Jest sums up snapshots; or nothing. */
export function baselineSummaryLine(files: readonly BaselineSummary[]): string {
  const obsolete = obsoleteEntries(files);
  const parts = (
    [
      ['written', total(files, 'written')],
      ['updated', total(files, 'updated')],
      ['passed', total(files, 'matched')],
      ['failed', total(files, 'failed')],
      ['improved (jest -u records them)', total(files, 'improved')],
      ['removed (obsolete)', total(files, 'removed')],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${n} ${label}`);
  if (obsolete.length > 0) parts.push(`${obsolete.length} obsolete (jest -u removes them)`);
  const unsaved = files.filter((f) => f.failure);
  if (unsaved.length > 0) parts.push(`${unsaved.length} file${unsaved.length === 1 ? '' : 's'} not saved`);
  if (parts.length === 0) return '';
  const lines = [`Allocation baselines: ${parts.join(', ')}.`];
  for (const entry of obsolete.slice(0, 10)) lines.push(`  obsolete: ${entry}`);
  if (obsolete.length > 10) lines.push(`  ...and ${obsolete.length - 10} more`);
  for (const file of unsaved) lines.push(`  not saved: ${file.file}`);
  return lines.join('\n');
}

/** Obsolete entries fail a run that does not remove them, as obsolete snapshots do. */
export function obsoleteFailure(files: readonly BaselineSummary[]): Error | undefined {
  const count = obsoleteEntries(files).length;
  if (count === 0) return undefined;
  return new Error(`jest-tracemalloc: ${count} allocation baseline${count === 1 ? '' : 's'} obsolete: their tests no longer exist. Run \`jest -u\` to remove them.`);
}
