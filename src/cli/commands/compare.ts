import { readFileSync } from 'node:fs';
import { Snapshot } from '../../tracemalloc/snapshot';
import { formatSize, parseSize } from '../../util/sizes';
import { readReport } from '../../jest/reporter/report-file';
import type { MemoryReport } from '../../jest/reporter/memory-report';
import { parseCommandLine, readKeyType, readLimit, UsageError } from '../command-line';
import { SNAPSHOT_FORMAT } from '../../tracemalloc/snapshot-file';

export const COMPARE_USAGE = `Usage: jest-tracemalloc compare <base> <head> [--fail-above 10%|256KiB] [--ignore-below 64KiB] [--allow-empty] [--limit N] [--key lineno]

Two reports (memory-report.json): per-test change of bytes allocated, biggest change first.
Two snapshots: their statistics' differences, as Snapshot.compareTo() gives them (--key as in show).
  --fail-above    exit with code 1 when a test grew by more than this, in percent or bytes
  --ignore-below  changes smaller than this many bytes never fail a test (default 64KiB: V8's own
                  work moves small tests by tens of KiB)
  --allow-empty   let --fail-above pass when no test is in both reports (one has no tests, or all
                  were renamed); without it a gate that compared nothing fails
  --limit N       print the top N entries (default 20; 0 for all)`;

interface Threshold {
  percent: number | null;
  bytes: number | null;
}

function readThreshold(value: string | undefined): Threshold | null {
  if (value === undefined) return null;
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (percent) return { percent: Number(percent[1]), bytes: null };
  try {
    return { percent: null, bytes: parseSize(value) };
  } catch (error) {
    throw new UsageError(`--fail-above must be a percentage ('10%') or a size ('256KiB'): ${(error as Error).message}`, COMPARE_USAGE);
  }
}

/** The file's "format" field, read from its start (both formats write it first); the readers check the rest. */
const formatOf = (file: string): string | undefined => {
  try {
    return /"format"\s*:\s*"([^"]+)"/.exec(readFileSync(file, 'utf8').slice(0, 4096))?.[1];
  } catch {
    return undefined; // the reader below names what is wrong
  }
};

export interface CompareResult {
  output: string;
  failed: boolean;
}

export function compare(args: string[]): CompareResult {
  const line = parseCommandLine(
    args,
    { 'fail-above': { type: 'string' }, 'ignore-below': { type: 'string' }, 'allow-empty': { type: 'boolean' }, limit: { type: 'string' }, key: { type: 'string' } },
    COMPARE_USAGE,
  );
  if (line.flag('help')) return { output: COMPARE_USAGE, failed: false };
  if (line.positionals.length !== 2) throw new UsageError(`compare takes two files, base and head, got ${line.positionals.length}`, COMPARE_USAGE);
  const [base, head] = line.positionals as [string, string];
  const limit = readLimit(line.text('limit'), 20, COMPARE_USAGE);
  if (formatOf(base) === SNAPSHOT_FORMAT && formatOf(head) === SNAPSHOT_FORMAT) {
    const gate = ['fail-above', 'ignore-below', 'allow-empty'].find((name) => line.text(name) !== undefined || line.flag(name));
    if (gate) throw new UsageError(`--${gate} gates two reports (memory-report.json); ${base} and ${head} are snapshots`, COMPARE_USAGE);
    const key = readKeyType(line.text('key'), COMPARE_USAGE);
    const diffs = Snapshot.load(head).compareTo(Snapshot.load(base), key);
    const shown = limit === 0 ? diffs : diffs.slice(0, limit);
    return { output: [`Top ${shown.length} differences of ${diffs.length} (${key}):`, ...shown.map((d) => String(d))].join('\n'), failed: false };
  }
  if (line.text('key') !== undefined) throw new UsageError('--key groups the statistics of two snapshots; reports are compared per test', COMPARE_USAGE);
  let ignoreBelow = 64 * 1024;
  const ignoreText = line.text('ignore-below');
  if (ignoreText !== undefined) {
    try {
      ignoreBelow = parseSize(ignoreText);
    } catch (error) {
      throw new UsageError(`--ignore-below: ${(error as Error).message}`, COMPARE_USAGE);
    }
  }
  return compareReports(readReport(base), readReport(head), readThreshold(line.text('fail-above')), ignoreBelow, limit, line.flag('allow-empty'));
}

const testKey = (file: string, name: string, occurrence: number): string => `${file} › ${name}${occurrence > 0 ? ` (#${occurrence + 1})` : ''}`;

function byTest(report: MemoryReport): Map<string, number> {
  const seen = new Map<string, number>();
  const figures = new Map<string, number>();
  for (const test of report.tests) {
    const plain = `${test.file} › ${test.name}`;
    const occurrence = seen.get(plain) ?? 0;
    seen.set(plain, occurrence + 1);
    figures.set(testKey(test.file, test.name, occurrence), test.allocated);
  }
  return figures;
}

function compareReports(base: MemoryReport, head: MemoryReport, threshold: Threshold | null, ignoreBelow: number, limit: number, allowEmpty: boolean): CompareResult {
  const before = byTest(base);
  const after = byTest(head);
  const rows: { name: string; base: number; head: number; change: number; percent: number; failed: boolean }[] = [];
  for (const [name, headBytes] of after) {
    const baseBytes = before.get(name);
    if (baseBytes === undefined) continue;
    const change = headBytes - baseBytes;
    const percent = baseBytes === 0 ? (change === 0 ? 0 : Infinity) : (change / baseBytes) * 100;
    const over = threshold !== null && change > ignoreBelow && (threshold.percent !== null ? percent > threshold.percent : change > (threshold.bytes as number));
    rows.push({ name, base: baseBytes, head: headBytes, change, percent, failed: over });
  }
  rows.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.name.localeCompare(b.name));
  const shown = limit === 0 ? rows : rows.slice(0, limit);
  const cells = shown.map((r) => [
    r.failed ? `✗ ${r.name}` : `  ${r.name}`,
    formatSize(r.base),
    formatSize(r.head),
    `${formatSize(r.change, true)} (${Number.isFinite(r.percent) ? `${r.percent >= 0 ? '+' : ''}${r.percent.toFixed(1)}%` : 'new bytes'})`,
  ]);
  const header = ['  test', 'base', 'head', 'change'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string => c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const lines = rows.length > 0 ? [line(header), ...cells.map(line)] : [];
  if (rows.length > shown.length) lines.push(`  ...and ${rows.length - shown.length} more`);
  const added = [...after.keys()].filter((k) => !before.has(k)).length;
  const removed = [...before.keys()].filter((k) => !after.has(k)).length;
  const totalBase = [...before.values()].reduce((a, b) => a + b, 0);
  const totalHead = [...after.values()].reduce((a, b) => a + b, 0);
  if (lines.length > 0) lines.push('');
  lines.push(`${rows.length} tests in both, ${added} only in head, ${removed} only in base; total ${formatSize(totalBase)} -> ${formatSize(totalHead)}`);
  if (rows.length === 0) {
    // A gate that compared nothing proves nothing: say so, and fail unless told that is expected.
    const renamed = after.size === 1 ? 'the one test of head is not in base' : `none of the ${after.size} tests of head is in base`;
    const why = after.size === 0 ? 'head has no tests' : before.size === 0 ? 'base has no tests' : `${renamed} (renamed or moved?)`;
    if (!threshold) return { output: [...lines, `nothing compared: ${why}`].join('\n'), failed: false };
    if (allowEmpty) return { output: [...lines, `nothing compared: ${why}; passing, as --allow-empty asks`].join('\n'), failed: false };
    return { output: [...lines, `nothing compared: ${why}; the gate fails (--allow-empty lets it pass)`].join('\n'), failed: true };
  }
  const failures = rows.filter((r) => r.failed);
  if (threshold) {
    const limitText = threshold.percent !== null ? `${threshold.percent}%` : formatSize(threshold.bytes as number);
    lines.push(failures.length > 0 ? `${failures.length} test(s) grew by more than ${limitText} (and ${formatSize(ignoreBelow)})` : `no test grew by more than ${limitText}`);
    if (added > 0) lines.push(`${added} of ${after.size} tests of head had no base: not compared`);
  }
  return { output: lines.join('\n'), failed: failures.length > 0 };
}
