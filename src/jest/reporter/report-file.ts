import { UnreadableFileError, parseData, readText } from '../../util/json-file';
import { REPORT_FORMAT, REPORT_VERSION, type MemoryReport } from './memory-report';

/** A report file that cannot be read: missing, truncated, foreign or from a newer version. */
export class ReportFileError extends UnreadableFileError {
  constructor(file: string, reason: string) {
    super(file, reason, `Cannot read report ${file}: ${reason}`);
  }
}

const isBytes = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

/** Parses and checks a memory-report.json; the error names the file and what is wrong. */
function parseReport(text: string, file: string): MemoryReport {
  const fail = (reason: string): never => {
    throw new ReportFileError(file, reason);
  };
  const raw = parseData(text, fail);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a JSON object');
  const report = raw as Partial<MemoryReport>;
  if (report.format !== REPORT_FORMAT) return fail(`not a jest-tracemalloc report (format is ${JSON.stringify(report.format)}, expected "${REPORT_FORMAT}")`);
  if (report.version !== REPORT_VERSION) return fail(`unsupported report version ${JSON.stringify(report.version)}; this version reads version ${REPORT_VERSION}`);
  if (!Array.isArray(report.tests)) return fail('"tests" must be an array');
  report.tests.forEach((test, i) => {
    if (typeof test !== 'object' || test === null) fail(`tests[${i}] must be an object`);
    if (typeof test.file !== 'string' || typeof test.name !== 'string') fail(`tests[${i}] needs a string "file" and "name"`);
    const which = `tests[${i}] (${test.file} › ${test.name})`;
    for (const field of ['allocated', 'heap', 'external', 'peak'] as const) {
      if (!isBytes(test[field])) fail(`${which} has no number "${field}"`);
      if (test[field] < 0) fail(`${which} has a negative "${field}" (${test[field]}): byte counts are never below 0`);
    }
    if (test.allocated !== test.heap + test.external) {
      fail(`${which} has "allocated" ${test.allocated}, not "heap" + "external" (${test.heap} + ${test.external} = ${test.heap + test.external})`);
    }
  });
  if (report.warnings !== undefined && !Array.isArray(report.warnings)) return fail('"warnings" must be an array');
  return { ...report, warnings: report.warnings ?? [] } as MemoryReport;
}

export function readReport(file: string): MemoryReport {
  const text = readText(file, (reason) => {
    throw new ReportFileError(file, reason);
  });
  return parseReport(text, file);
}
