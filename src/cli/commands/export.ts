import { resolve } from 'node:path';
import { toHeapProfile } from '../../tracemalloc/heap-profile';
import { Snapshot } from '../../tracemalloc/snapshot';
import { writeFileAtomic } from '../../util/write-file-atomic';
import { parseCommandLine, UsageError } from '../command-line';

export const EXPORT_USAGE = `Usage: jest-tracemalloc export <snapshot.json> --format heapprofile [-o <file.heapprofile>]

Writes a dumped snapshot in the format Chrome DevTools' Memory panel loads ("Load profile") and
speedscope reads. Default output: the snapshot's name with .heapprofile.`;

export function exportSnapshot(args: string[]): string {
  const line = parseCommandLine(args, { format: { type: 'string' }, output: { type: 'string', short: 'o' } }, EXPORT_USAGE);
  if (line.flag('help')) return EXPORT_USAGE;
  if (line.positionals.length !== 1) throw new UsageError(`export takes one snapshot file, got ${line.positionals.length}`, EXPORT_USAGE);
  if (line.text('format') !== 'heapprofile') {
    throw new UsageError(line.text('format') === undefined ? 'export needs --format heapprofile' : `unknown format ${JSON.stringify(line.text('format'))}; the one format is heapprofile`, EXPORT_USAGE);
  }
  const input = line.positionals[0] as string;
  const output = resolve(line.text('output') ?? `${input.replace(/\.json$/i, '')}.heapprofile`);
  const profile = toHeapProfile(Snapshot.load(input));
  writeFileAtomic(output, JSON.stringify(profile));
  return `Wrote ${output} (${profile.samples.length} samples)`;
}
