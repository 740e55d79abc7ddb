import type { MatcherContext, ExpectationResult } from 'expect';
import type { FiguresToTake, Measurement, MeasureOptions } from '../../measure/measure';
import { isJestFrame } from '../runtime/jest-frames';
import { bridge, matcherCore, measuringDeadline, outsideTestFigures, SYNC_LIMIT_FACTOR } from '../runtime/bridge';
import type { Statistic } from '../../tracemalloc/statistic';
import type { MatcherFigure } from '../environment/test-memory';
import { isAbsolute, relative, sep } from 'node:path';
import { isThenable, type Deadline, type TimeLimitError } from '../../measure/drive';
import { formatSize, parseSize, type Size } from '../../util/sizes';
import { checkKnownOptions, describeValue } from '../../util/checks';

/** Options the memory matchers take: measure()'s, without sites (the matchers add them on failure). */
export type MemoryMatcherOptions = Pick<MeasureOptions, 'warmup' | 'runs'>;

/** Only what calls allocate: no calls between full GCs for a retained figure nobody reads. */
export const ONLY_ALLOCATED: FiguresToTake = { allocated: true, retained: false };

/** A matcher error: Jest prints it as "Matcher error" and fails the test, not the file. */
export function matcherError(context: MatcherContext, name: string, generic: string, specific: string): Error {
  const hint = context.utils.matcherHint(name, undefined, undefined, { isNot: context.isNot, promise: context.promise });
  return new Error(context.utils.matcherErrorMessage(hint, generic, specific));
}

export function checkFunction(context: MatcherContext, name: string, received: unknown): asserts received is () => unknown {
  if (typeof received !== 'function') {
    throw matcherError(
      context,
      name,
      `${context.utils.RECEIVED_COLOR('received')} value must be a function`,
      context.utils.printWithType('Received', received, context.utils.printReceived),
    );
  }
}

export function readBudget(context: MatcherContext, name: string, limit: unknown): number {
  if (limit === undefined) {
    throw matcherError(context, name, 'a limit is required', `Give the most bytes, e.g. expect(fn).${name}('1MiB')`);
  }
  try {
    return parseSize(limit as Size);
  } catch (error) {
    throw matcherError(
      context,
      name,
      `${context.utils.EXPECTED_COLOR('expected')} limit must be a byte count or a size such as '1MiB', '512 KiB', '1.5MB' or '100kB'`,
      `${(error as Error).message}\n\n${context.utils.printWithType('Expected', limit, context.utils.printExpected)}`,
    );
  }
}

export function readOptions(context: MatcherContext, name: string, options: unknown): MemoryMatcherOptions {
  if (options === undefined) return {};
  const fail = (why: string): never => {
    throw matcherError(context, name, 'options must be { warmup?, runs? }', `${why}\n\nOptions: ${context.utils.stringify(options)}`);
  };
  if (typeof options !== 'object' || options === null) return fail(`got ${describeValue(options)}`);
  try {
    checkKnownOptions(options, ['warmup', 'runs']);
  } catch (error) {
    fail((error as Error).message);
  }
  return options as MemoryMatcherOptions;
}

/** Runs `then` on a value or on what its promise resolves to, keeping the matcher sync when fn is. */
export function andThen<T, U>(value: T | Promise<T>, then: (value: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(value) ? Promise.resolve(value).then(then) : then(value as T);
}

/**
 * Runs the measuring `work` until the running test's timeout, then stops it with a matcher error
 * that says which options make fewer calls: Jest cannot stop synchronous code, and an asynchronous
 * measurement left running after its test timed out would allocate into the next one.
 */
export function withinTestTimeout<T>(context: MatcherContext, name: string, fewerCalls: string, work: (deadline: Deadline) => T | Promise<T>): T | Promise<T> {
  const deadline = measuringDeadline();
  const fail = (error: unknown): never => {
    if ((error as Error | null)?.name !== 'TimeLimitError') throw error;
    const { message, limit, asynchronous } = error as TimeLimitError;
    const ms = `${limit.toLocaleString('en-US')} ms`;
    throw matcherError(
      context,
      name,
      asynchronous ? `measuring stopped at the test's timeout (${ms})` : `measuring stopped after ${ms}, ${SYNC_LIMIT_FACTOR} times the test's timeout`,
      `${message}. ${asynchronous ? 'Its calls would have gone on after the test, allocating into the next one.' : 'Jest cannot stop synchronous code, so the matcher stops itself.'}\n` +
        `Make fewer calls (${fewerCalls}), or give the test more time (test(name, fn, timeout), jest.setTimeout or testTimeout).`,
    );
  };
  let result: T | Promise<T>;
  try {
    result = work(deadline);
  } catch (error) {
    return fail(error);
  }
  return isThenable(result) ? Promise.resolve(result).catch(fail) : result;
}

/** Measures, turning bad options into a matcher error (and only those: fn's own errors stay fn's). */
export function measured(context: MatcherContext, name: string, fn: () => unknown, options: MemoryMatcherOptions, figures: FiguresToTake): Measurement | Promise<Measurement> {
  checkMeasureOptions(context, name, options);
  return withinTestTimeout(context, name, 'warmup, runs', (deadline) => outsideTestFigures(() => matcherCore().measureFigures(fn, options, figures, deadline)));
}

export function checkMeasureOptions(context: MatcherContext, name: string, options: MeasureOptions): void {
  try {
    matcherCore().readMeasureOptions(options);
  } catch (error) {
    throw matcherError(context, name, 'bad options', (error as Error).message);
  }
}

const TOP_SITES = 5;

/**
 * The allocating functions of one more call of `fn` under the sampling profiler, for a message;
 * none when the profiler is taken (the tracer runs) or the test's time is up.
 */
export function profiledSites(fn: () => unknown): Statistic[] | Promise<Statistic[]> {
  let result: Measurement | Promise<Measurement>;
  try {
    result = outsideTestFigures(() => matcherCore().measureFigures(fn, { warmup: 0, sites: { hideFrame: isJestFrame } }, ONLY_ALLOCATED, measuringDeadline()));
  } catch {
    return [];
  }
  const sitesOf = (m: Measurement): Statistic[] => m.sites ?? [];
  if (!isThenable(result)) return sitesOf(result);
  return Promise.resolve(result as unknown as Promise<Measurement>).then(sitesOf, (error: unknown) => {
    if ((error as Error | null)?.name === 'TimeLimitError') return [];
    throw error;
  });
}

/**
 * The allocating functions of one more call of `fn`, for a failure message. Only failures pay for
 * the sampling profiler; tracer, Node and Jest frames are skipped.
 */
export function topSites(fn: () => unknown): string | Promise<string> {
  return andThen(profiledSites(fn), (sites) => {
    if (sites.length === 0) return ''; // the verdict stands without them
    const lines = sites.slice(0, TOP_SITES).map((site) => `  ${siteLine(site)}`);
    if (sites.length > TOP_SITES) lines.push(`  ...and ${sites.length - TOP_SITES} more`);
    return `\n\nTop allocating functions (V8 heap, one call):\n${lines.join('\n')}`;
  });
}

/** The running test's full name; safe for `test.concurrent`, whose tests interleave. */
export function currentTest(context: MatcherContext): string | undefined {
  return (context as MatcherContext & { currentConcurrentTestName?: () => string | undefined }).currentConcurrentTestName?.() ?? context.currentTestName;
}

/** What a matcher measured goes into its test's report entry (with the environment). */
export function recordFigure(context: MatcherContext, figure: MatcherFigure): void {
  bridge()?.recordMatcher(currentTest(context), figure);
}

/** Where paths in messages are relative to: the project's rootDir (with the environment), else the working directory. */
const messageRoot = (): string => bridge()?.rootDir ?? process.cwd();

/** `makeObjects (src/work.ts:14)`: the function first, then where it starts, relative to the rootDir. */
export function siteLabel(functionName: string, file: string, line: number): string {
  const where = isAbsolute(file) ? relative(messageRoot(), file).split(sep).join('/') : file;
  return `${functionName || '(anonymous)'} (${where}:${line})`;
}

/** A statistic as a failure message lists it: `makeObjects (src/work.ts:14): size=3 MiB, count=50018, average=64 B`. */
export function siteLine(stat: Statistic): string {
  const frame = stat.traceback.mostRecent;
  const where = frame ? siteLabel(frame.functionName, frame.filename, frame.lineno) : '(unknown)';
  return `${where}: ${stat.figures()}`;
}

export function sizeWithParts(m: { heap: number; external: number }, total: number): string {
  return `${formatSize(total)} (heap ${formatSize(m.heap)}, external ${formatSize(m.external)})`;
}

export type { ExpectationResult, MatcherContext };
