// `reporters: ['default', 'jest-tracemalloc/reporter']`: the tests that allocate most, memory-report.json
// with every test's figures, and a Markdown summary for CI job pages.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkCount, describe } from './core/units';
import { writeFileAtomic } from './core/write-file-atomic';
import { entriesOf, REPORT_VERSION, serializeReport, type MemoryReport, type ReportedTest } from './jest/reporter/memory-report';
import { topTestsTable } from './jest/reporter/top-tests';
import { markdownSummary } from './jest/reporter/markdown-summary';
import { requireFromJest } from './jest/jest-modules';
import type { BaselineSummary } from './jest/baselines/baseline-store';

/** "Allocation baselines: 2 written, 1 failed, 3 obsolete (jest -u removes them)", or nothing. */
function baselineSummaryLine(files: readonly BaselineSummary[]): string {
  const sum = (field: 'written' | 'updated' | 'failed' | 'improved' | 'matched') => files.reduce((n, f) => n + f[field], 0);
  const obsolete = files.flatMap((f) => f.obsolete.map((key) => `${f.file}: ${key}`));
  const parts = [
    ['written', sum('written')],
    ['updated', sum('updated')],
    ['passed', sum('matched')],
    ['failed', sum('failed')],
    ['improved (jest -u records them)', sum('improved')],
  ]
    .filter(([, n]) => (n as number) > 0)
    .map(([label, n]) => `${n} ${label}`);
  if (obsolete.length > 0) parts.push(`${obsolete.length} obsolete (jest -u removes them)`);
  if (parts.length === 0) return '';
  const lines = [`Allocation baselines: ${parts.join(', ')}.`];
  for (const entry of obsolete.slice(0, 10)) lines.push(`  obsolete: ${entry}`);
  if (obsolete.length > 10) lines.push(`  ...and ${obsolete.length - 10} more`);
  return lines.join('\n');
}

export interface ReporterOptions {
  /** Where to write the JSON report, relative to rootDir. Default `memory-report.json`; `false` writes none. */
  outputFile?: string | false;
  /** Tests listed in the terminal table and the Markdown summary. Default 10; 0 prints none. */
  top?: number;
  /** Also write the Markdown summary to this file, relative to rootDir. */
  markdownFile?: string;
  /** Append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set. Default true. */
  githubSummary?: boolean;
}

interface Settings {
  outputFile: string | null;
  top: number;
  markdownFile: string | null;
  githubSummary: boolean;
}

const OPTION_NAMES = ['outputFile', 'top', 'markdownFile', 'githubSummary'];

function readReporterOptions(options: unknown, rootDir: string): Settings {
  const given = (options ?? {}) as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new Error(`jest-tracemalloc/reporter: ${why}`);
  };
  if (typeof given !== 'object' || Array.isArray(given)) fail(`options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(given)) if (!OPTION_NAMES.includes(key)) fail(`unknown option ${JSON.stringify(key)}; known options are ${OPTION_NAMES.join(', ')}`);
  const { outputFile = 'memory-report.json', top = 10, markdownFile, githubSummary = true } = given;
  if (outputFile !== false && (typeof outputFile !== 'string' || outputFile === '')) fail(`outputFile must be a file path or false, got ${describe(outputFile)}`);
  if (markdownFile !== undefined && (typeof markdownFile !== 'string' || markdownFile === '')) fail(`markdownFile must be a file path, got ${describe(markdownFile)}`);
  if (typeof githubSummary !== 'boolean') fail(`githubSummary must be a boolean, got ${describe(githubSummary)}`);
  let count = 10;
  try {
    count = checkCount('top', top, 0);
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    outputFile: outputFile === false ? null : resolve(rootDir, outputFile as string),
    top: count,
    markdownFile: typeof markdownFile === 'string' ? resolve(rootDir, markdownFile) : null,
    githubSummary: githubSummary as boolean,
  };
}

function jestVersion(): string {
  try {
    return requireFromJest<{ getVersion(): string }>('@jest/core').getVersion();
  } catch {
    return 'unknown';
  }
}

export default class TracemallocReporter {
  private readonly settings: Settings;
  private readonly rootDir: string;
  private tests: ReportedTest[] = [];
  private warnings: string[] = [];
  private samplingInterval: number | undefined;
  private baselines: BaselineSummary[] = [];
  private filesWithout = 0;
  private filesWith = 0;
  private error: Error | undefined;
  /** Where the table and warnings go (Jest's own reporters write to stderr too). */
  out: { write(text: string): unknown } = process.stderr;

  constructor(globalConfig: { rootDir: string }, options?: unknown) {
    this.rootDir = globalConfig.rootDir;
    this.settings = readReporterOptions(options, this.rootDir);
  }

  onRunStart(): void {
    // --watch runs again in the same reporter: one report per run
    this.tests = [];
    this.warnings = [];
    this.baselines = [];
    this.samplingInterval = undefined;
    this.filesWith = 0;
    this.filesWithout = 0;
    this.error = undefined;
  }

  onTestFileResult(_test: unknown, result: Parameters<typeof entriesOf>[0]): void {
    const entries = entriesOf(result, this.rootDir);
    if (!entries) {
      this.filesWithout++;
      return;
    }
    this.filesWith++;
    this.tests.push(...entries.tests);
    this.warnings.push(...entries.warnings);
    if (entries.samplingInterval) this.samplingInterval = entries.samplingInterval;
    if (entries.baselines) this.baselines.push(entries.baselines);
  }

  onRunComplete(): void {
    const out: string[] = [];
    if (this.filesWithout > 0 && this.filesWith === 0) {
      out.push(
        'jest-tracemalloc: no per-test figures. Use `preset: \'jest-tracemalloc\'`, or both `testEnvironment: \'jest-tracemalloc/environment\'` and `testRunner: \'jest-tracemalloc/runner\'`.',
      );
    }
    const table = topTestsTable(this.tests, this.settings.top);
    if (this.settings.top > 0 && table) out.push(table);
    for (const warning of this.warnings) out.push(`jest-tracemalloc warning: ${warning}`);
    const baselineLine = baselineSummaryLine(this.baselines);
    if (baselineLine) out.push(baselineLine);
    if (this.settings.outputFile && this.filesWith > 0) { // even with no test: no stale report left behind
      const tests = [...this.tests].sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1));
      const report: MemoryReport = {
        format: 'jest-tracemalloc-report',
        version: REPORT_VERSION,
        node: process.versions.node,
        jest: jestVersion(),
        ...(this.samplingInterval ? { samplingInterval: this.samplingInterval } : {}),
        tests,
        warnings: this.warnings,
      };
      this.write(this.settings.outputFile, serializeReport(report));
    }
    if (this.tests.length > 0) {
      const summary = markdownSummary(this.tests, this.settings.top, this.baselines);
      if (this.settings.markdownFile) this.write(this.settings.markdownFile, summary);
      const stepSummary = process.env.GITHUB_STEP_SUMMARY;
      if (this.settings.githubSummary && stepSummary) {
        try {
          appendFileSync(stepSummary, `${summary}\n`);
        } catch (error) {
          this.error = new Error(`jest-tracemalloc/reporter: could not append to $GITHUB_STEP_SUMMARY (${stepSummary}): ${(error as Error).message}`);
        }
      }
    }
    if (out.length > 0) this.out.write(`\n${out.join('\n')}\n`);
  }

  private write(file: string, text: string): void {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, text);
    } catch (error) {
      this.error = new Error(`jest-tracemalloc/reporter: could not write ${file}: ${(error as Error).message}`);
    }
  }

  getLastError(): Error | undefined {
    return this.error;
  }
}

export type { MemoryReport, ReportedTest };
