import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/write-file-atomic';
import { REPORT_VERSION, serializeReport, type MemoryReport } from '../jest/reporter/memory-report';
import { REPORT_FORMAT, readReport } from '../jest/reporter/report-file';
import { parseCommandLine, UsageError } from './usage-error';

export const MERGE_USAGE = `Usage: jest-tracemalloc merge <report.json...> -o <merged.json>

Merges the reports of sharded runs (jest --shard=1/3, 2/3, 3/3) into one, tests sorted by file.
  -o, --output  the merged report to write (written whole or not at all)`;

export function merge(args: string[]): string {
  const line = parseCommandLine(args, { output: { type: 'string', short: 'o' } }, MERGE_USAGE);
  if (line.flag('help')) return MERGE_USAGE;
  if (line.positionals.length === 0) throw new UsageError('merge needs at least one report', MERGE_USAGE);
  const output = line.text('output');
  if (!output) throw new UsageError('merge needs -o <merged.json>', MERGE_USAGE);
  const reports = line.positionals.map((file) => readReport(file));
  const first = reports[0] as MemoryReport;
  const merged: MemoryReport = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    node: first.node,
    jest: first.jest,
    ...(first.samplingInterval ? { samplingInterval: first.samplingInterval } : {}),
    tests: reports.flatMap((r) => r.tests).sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1)),
    warnings: reports.flatMap((r) => r.warnings),
  };
  const nodes = new Set(reports.map((r) => r.node.split('.')[0]));
  if (nodes.size > 1) merged.warnings.push(`merged reports from different Node majors: ${[...nodes].join(', ')}`);
  writeFileAtomic(resolve(output), serializeReport(merged));
  return `Merged ${reports.length} reports (${merged.tests.length} tests) into ${output}`;
}
