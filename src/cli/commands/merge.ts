import { resolve } from 'node:path';
import { writeFileAtomic } from '../../util/write-file-atomic';
import { REPORT_FORMAT, REPORT_VERSION, serializeReport, type MemoryReport } from '../../jest/reporter/memory-report';
import { readReport } from '../../jest/reporter/report-file';
import { parseCommandLine, UsageError } from '../command-line';

export const MERGE_USAGE = `Usage: jest-tracemalloc merge <report.json...> -o <merged.json>

Merges the reports of sharded runs (jest --shard=1/3, 2/3, 3/3) into one, tests sorted by file.
Jest's --shard gives each test file to one shard: a test file found in two reports (or a report
given twice) means the reports overlap, and merge refuses them rather than count tests twice.
  -o, --output  the merged report to write (written whole or not at all)`;

/**
 * Overlapping reports would count their tests twice. Shards split by test file, so a file in two
 * reports is an overlap; tests of the same name within one file (test.each) are not.
 */
function refuseOverlap(files: string[], reports: MemoryReport[]): void {
  const given = new Map<string, string>();
  const owner = new Map<string, string>();
  reports.forEach((report, i) => {
    const file = files[i] as string;
    const earlier = given.get(resolve(file));
    if (earlier !== undefined) {
      throw new UsageError(`${file} is given twice${earlier === file ? '' : ` (as ${earlier} and ${file})`}: merging would count its ${report.tests.length} tests twice`, MERGE_USAGE);
    }
    given.set(resolve(file), file);
    for (const testFile of new Set(report.tests.map((t) => t.file))) {
      const other = owner.get(testFile);
      if (other !== undefined) {
        throw new UsageError(
          `${testFile} is in both ${other} and ${file}: the reports overlap (jest --shard gives each test file to one shard), and merging them would count its tests twice`,
          MERGE_USAGE,
        );
      }
      owner.set(testFile, file);
    }
  });
}

export function merge(args: string[]): string {
  const line = parseCommandLine(args, { output: { type: 'string', short: 'o' } }, MERGE_USAGE);
  if (line.flag('help')) return MERGE_USAGE;
  if (line.positionals.length === 0) throw new UsageError('merge needs at least one report', MERGE_USAGE);
  const output = line.text('output');
  if (!output) throw new UsageError('merge needs -o <merged.json>', MERGE_USAGE);
  const reports = line.positionals.map((file) => readReport(file));
  refuseOverlap(line.positionals, reports);
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
