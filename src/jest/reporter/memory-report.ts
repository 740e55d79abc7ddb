import { isAbsolute, relative, sep } from 'node:path';
import { RESULT_FIELD, type FileMemory, type TestMemory, type TestSite } from '../environment/test-memory';

export const REPORT_FORMAT = 'jest-tracemalloc-report';
export const REPORT_VERSION = 1;

export interface ReportedTest extends Omit<TestMemory, 'sites'> {
  /** Test file, relative to rootDir, with '/' separators. */
  file: string;
  /** Jest's status for the test: passed, failed, ... */
  status: string;
  /** Top allocating functions; their files relative to rootDir, with '/' separators. */
  sites?: TestSite[];
}

export interface MemoryReport {
  format: typeof REPORT_FORMAT;
  version: number;
  node: string;
  jest: string;
  /** Sampling interval of the sites, when recorded. */
  samplingInterval?: number;
  tests: ReportedTest[];
  warnings: string[];
}

interface AssertionResult {
  fullName: string;
  status: string;
}

interface FileResult {
  testFilePath: string;
  testResults: AssertionResult[];
  [RESULT_FIELD]?: FileMemory;
}

const toPosix = (path: string): string => path.split(sep).join('/');

/** A file's entries: the environment's figures with Jest's status, paths relative to rootDir. */
export function entriesOf(
  result: FileResult,
  rootDir: string,
): { tests: ReportedTest[]; warnings: string[]; samplingInterval?: number; baselines?: FileMemory['baselines'] } | null {
  const memory = result[RESULT_FIELD];
  if (!memory) return null;
  const file = toPosix(relative(rootDir, result.testFilePath));
  // Tests of the same name take Jest's statuses in order.
  const statuses = new Map<string, string[]>();
  for (const assertion of result.testResults) {
    const list = statuses.get(assertion.fullName) ?? [];
    list.push(assertion.status);
    statuses.set(assertion.fullName, list);
  }
  const tests = memory.tests.map((test): ReportedTest => {
    const entry: ReportedTest = { file, ...test, status: statuses.get(test.name)?.shift() ?? 'unknown' };
    if (test.sites) {
      // relative to the rootDir, also outside it (../lib/x.js): a committed report is the same on every machine
      entry.sites = test.sites.map((site) => ({ ...site, file: isAbsolute(site.file) ? toPosix(relative(rootDir, site.file)) : site.file }));
    }
    return entry;
  });
  const warnings = memory.warnings.map((warning) => `${file}: ${warning}`);
  if (memory.baselines?.error) warnings.push(memory.baselines.error);
  return {
    tests,
    warnings,
    ...(memory.samplingInterval ? { samplingInterval: memory.samplingInterval } : {}),
    ...(memory.baselines ? { baselines: { ...memory.baselines, file: toPosix(relative(rootDir, memory.baselines.file)) } } : {}),
  };
}

/** Stable JSON: keys in a fixed order, one test per line group, trailing newline. */
export function serializeReport(report: MemoryReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
