// `reporters: ['default', 'jest-tracemalloc/reporter']`: the tests that allocate most, memory-report.json
// with every test's figures, and a Markdown summary for CI job pages.
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { checkCount, checkKnownOptions, describeValue } from '../../util/checks';
import { writeFileAtomic } from '../../util/write-file-atomic';
import { entriesOf, REPORT_FORMAT, REPORT_VERSION, serializeReport, type MemoryReport, type ReportedTest } from './memory-report';
import { topTestsTable } from './top-tests';
import { markdownSummary } from './markdown-summary';
import { requireFromJest } from '../runtime/jest-modules';
import type { BaselineSummary } from '../baselines/baseline-store';
import { baselineSummaryLine, obsoleteFailure } from './baseline-summary';

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
  if (typeof given !== 'object' || Array.isArray(given)) fail(`options must be an object, got ${describeValue(options)}`);
  try {
    checkKnownOptions(given, OPTION_NAMES);
  } catch (error) {
    fail((error as Error).message);
  }
  const { outputFile = 'memory-report.json', top = 10, markdownFile, githubSummary = true } = given;
  if (outputFile !== false && (typeof outputFile !== 'string' || outputFile === '')) fail(`outputFile must be a file path or false, got ${describeValue(outputFile)}`);
  if (markdownFile !== undefined && (typeof markdownFile !== 'string' || markdownFile === '')) fail(`markdownFile must be a file path, got ${describeValue(markdownFile)}`);
  if (typeof githubSummary !== 'boolean') fail(`githubSummary must be a boolean, got ${describeValue(githubSummary)}`);
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

/** What a reporter gets of Jest's Test: the file's project config. */
interface TestOfFile {
  context?: { config?: { testEnvironment?: string; testRunner?: string } };
}

type FileResult = Parameters<typeof entriesOf>[0] & {
  testExecError?: { message?: string; stack?: string } | null;
  failureMessage?: string | null;
};

/** The error of a file that failed to run (its tests never ran), or null when it ran. */
function runError(result: FileResult): string | null {
  if (result.testExecError) return result.failureMessage || result.testExecError.message || result.testExecError.stack || 'unknown error';
  if (result.failureMessage && result.testResults.length === 0) return result.failureMessage;
  return null;
}

/**
 * The line that says what went wrong, from Jest's "● Test suite failed to run" message: the first
 * `SomeError: ...` line before the stack (Jest's "encountered an unexpected token" preamble comes
 * before babel's SyntaxError), else the first line with text. Paths under rootDir are shortened.
 */
function firstLine(message: string, rootDir: string): string {
  const lines = message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('●'));
  const stackAt = lines.findIndex((l) => /^at /.test(l));
  const beforeStack = stackAt < 0 ? lines : lines.slice(0, stackAt);
  const line = beforeStack.find((l) => /^[A-Z]\w*Error: /.test(l)) ?? lines[0] ?? 'unknown error';
  return line.split(rootDir + sep).join('');
}

/** Whether a resolved testEnvironment/testRunner path is jest-tracemalloc's own. */
function isOurs(path: string, which: 'environment' | 'runner'): boolean {
  const entry = resolve(__dirname, '..', '..', which); // the package's entry points sit two folders up
  return path === `${entry}.js` || path === `${entry}.ts` || new RegExp(`[\\\\/]jest-tracemalloc[\\\\/]build[\\\\/]${which}\\.js$`).test(path);
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
  /** Files whose run failed (a syntax error, an environment that threw): the first one and how many. */
  private failedToRun: { count: number; first: { file: string; error: string } | null } = { count: 0, first: null };
  /** Files that ran without figures: not our environment or runner. */
  private ranWithout: { count: number; first: { file: string; environment: string | null; runner: string | null } | null } = { count: 0, first: null };
  private filesWith = 0;
  private error: Error | undefined;
  /** Where the table and warnings go (Jest's own reporters write to stderr too). */
  out: { write(text: string): unknown } = process.stderr;

  /** Jest's `-u` ('all'), `--ci` ('none') or neither ('new'): obsolete baselines fail all but `-u`. */
  private readonly updateSnapshot: string;

  constructor(globalConfig: { rootDir: string; updateSnapshot?: string }, options?: unknown) {
    this.rootDir = globalConfig.rootDir;
    this.updateSnapshot = globalConfig.updateSnapshot ?? 'new';
    this.settings = readReporterOptions(options, this.rootDir);
  }

  onRunStart(): void {
    // --watch runs again in the same reporter: one report per run
    this.tests = [];
    this.warnings = [];
    this.baselines = [];
    this.samplingInterval = undefined;
    this.filesWith = 0;
    this.failedToRun = { count: 0, first: null };
    this.ranWithout = { count: 0, first: null };
    this.error = undefined;
  }

  onTestFileResult(test: TestOfFile | undefined, result: FileResult): void {
    const entries = entriesOf(result, this.rootDir);
    if (!entries) {
      const file = this.shortPath(result.testFilePath);
      const error = runError(result);
      if (error !== null) {
        this.failedToRun.count++;
        this.failedToRun.first ??= { file, error: firstLine(error, this.rootDir) };
      } else {
        this.ranWithout.count++;
        const config = test?.context?.config;
        this.ranWithout.first ??= { file, environment: config?.testEnvironment ?? null, runner: config?.testRunner ?? null };
      }
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
    if (this.filesWith === 0) out.push(...this.noFiguresLines());
    const table = topTestsTable(this.tests, this.settings.top);
    if (this.settings.top > 0 && table) out.push(table);
    for (const warning of this.warnings) out.push(`jest-tracemalloc warning: ${warning}`);
    const baselineLine = baselineSummaryLine(this.baselines);
    if (baselineLine) out.push(baselineLine);
    if (this.updateSnapshot !== 'all') this.error ??= obsoleteFailure(this.baselines);
    if (this.settings.outputFile && this.filesWith > 0) { // even with no test: no stale report left behind
      const tests = [...this.tests].sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1));
      const report: MemoryReport = {
        format: REPORT_FORMAT,
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

  /** Why no file brought figures: the files that failed to run, and the hint for those that ran without. */
  private noFiguresLines(): string[] {
    const lines: string[] = [];
    const failed = this.failedToRun;
    if (failed.first) {
      lines.push(`jest-tracemalloc: no per-test figures: ${failed.count} test file(s) failed to run (first: ${failed.first.file}: ${failed.first.error})`);
    }
    const ran = this.ranWithout;
    if (ran.first) {
      const { environment, runner } = ran.first;
      let why = '';
      if (runner !== null && environment !== null) {
        const environmentName = this.moduleName(environment);
        const runnerName = this.moduleName(runner);
        if (isOurs(runner, 'runner')) why = `: testEnvironment ${environmentName} measures nothing`; // our runner hands on what the environment measured
        else if (isOurs(environment, 'environment')) why = `: testRunner ${runnerName} does not hand the environment's figures to reporters`;
        else why = `: testEnvironment ${environmentName} and testRunner ${runnerName} are not jest-tracemalloc's`;
      }
      lines.push(
        `jest-tracemalloc: no per-test figures: ${ran.count} test file(s) ran without them (first: ${ran.first.file})${why}. ` +
          'Use `preset: \'jest-tracemalloc\'`, or both `testEnvironment: \'jest-tracemalloc/environment\'` and `testRunner: \'jest-tracemalloc/runner\'`.',
      );
    }
    return lines;
  }

  /** A path relative to rootDir, with '/' separators. */
  private shortPath(path: string): string {
    return relative(this.rootDir, path).split(sep).join('/');
  }

  /** A module path as users name it: its package (`jest-environment-node`), or its path under rootDir. */
  private moduleName(path: string): string {
    const parts = path.split(/[\\/]/);
    const at = parts.lastIndexOf('node_modules');
    if (at >= 0 && parts[at + 1] !== undefined) {
      const name = (parts[at + 1] as string).startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : (parts[at + 1] as string);
      return name === 'jest-tracemalloc' ? `jest-tracemalloc/${basename(path).replace(/\.[cm]?js$/, '')}` : name;
    }
    return this.shortPath(path);
  }

  private write(file: string, text: string): void {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, text);
    } catch (error) {
      // (a WriteFileError names the file already)
      const message = (error as Error).message.startsWith('cannot write ') ? (error as Error).message : `could not write ${file}: ${(error as Error).message}`;
      this.error = new Error(`jest-tracemalloc/reporter: ${message}`);
    }
  }

  getLastError(): Error | undefined {
    return this.error;
  }
}

export type { MemoryReport, ReportedTest };
