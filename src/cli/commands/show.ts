import { Snapshot } from '../../tracemalloc/snapshot';
import { formatSize } from '../../util/sizes';
import { parseCommandLine, readKeyType, readLimit, UsageError } from '../command-line';

export const SHOW_USAGE = `Usage: jest-tracemalloc show <snapshot.json> [--key lineno|filename|traceback] [--limit N] [--cumulative]

Prints a dumped snapshot's statistics as tracemalloc does, biggest first.
  --key         group by line (default), file or whole traceback
  --limit N     print the top N entries (default 10; 0 for all)
  --cumulative  count each frame of a traceback, not only the most recent one`;

export function show(args: string[]): string {
  const line = parseCommandLine(args, { key: { type: 'string' }, limit: { type: 'string' }, cumulative: { type: 'boolean' } }, SHOW_USAGE);
  if (line.flag('help')) return SHOW_USAGE;
  if (line.positionals.length !== 1) throw new UsageError(`show takes one snapshot file, got ${line.positionals.length}`, SHOW_USAGE);
  const key = readKeyType(line.text('key'), SHOW_USAGE);
  const limit = readLimit(line.text('limit'), 10, SHOW_USAGE);
  if (line.flag('cumulative') && key === 'traceback') throw new UsageError('--cumulative cannot be used with --key traceback', SHOW_USAGE);
  const snapshot = Snapshot.load(line.positionals[0] as string);
  const stats = snapshot.statistics(key, line.flag('cumulative'));
  const shown = limit === 0 ? stats : stats.slice(0, limit);
  const lines = [`Top ${shown.length} of ${stats.length} (${key}${line.flag('cumulative') ? ', cumulative' : ''}):`];
  shown.forEach((stat, i) => {
    lines.push(`#${i + 1}: ${String(stat)}`);
    if (key === 'traceback') lines.push(...stat.traceback.format());
  });
  const total = stats.reduce((sum, s) => sum + s.size, 0);
  lines.push(`Total allocated size: ${formatSize(total)} in ${stats.length} entries${snapshot.samplingInterval > 1 ? ` (sampled every ${snapshot.samplingInterval} bytes: estimates)` : ''}`);
  return lines.join('\n');
}
