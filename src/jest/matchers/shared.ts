import type { MatcherContext, ExpectationResult } from 'expect';
import type { Figures, Measurement, MeasureOptions } from '../../core/measure';
import { isJestFrame } from '../jest-frames';
import { matcherCore, outsideTestFigures } from '../bridge';
import { isThenable } from '../../core/drive';
import { formatSize, parseSize, describe as describeValue, type Size } from '../../core/units';

/** Options the memory matchers take: measure()'s, without sites (the matchers add them on failure). */
export type MemoryMatcherOptions = Pick<MeasureOptions, 'warmup' | 'runs'>;

/** Only what calls allocate: no calls between full GCs for a retained figure nobody reads. */
export const ONLY_ALLOCATED: Figures = { allocated: true, retained: false };

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

export function readLimit(context: MatcherContext, name: string, limit: unknown): number {
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
  for (const key of Object.keys(options)) if (key !== 'warmup' && key !== 'runs') fail(`unknown option ${JSON.stringify(key)}`);
  return options as MemoryMatcherOptions;
}

/** Runs `then` on a value or on what its promise resolves to, keeping the matcher sync when fn is. */
export function andThen<T, U>(value: T | Promise<T>, then: (value: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(value) ? Promise.resolve(value).then(then) : then(value as T);
}

/** Measures, turning bad options into a matcher error (and only those: fn's own errors stay fn's). */
export function measured(context: MatcherContext, name: string, fn: () => unknown, options: MemoryMatcherOptions, figures: Figures): Measurement | Promise<Measurement> {
  checkMeasureOptions(context, name, options);
  return outsideTestFigures(() => matcherCore().measureFigures(fn, options, figures));
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
 * The allocating functions of one more call of `fn`, for a failure message. Only failures pay for
 * the sampling profiler; tracer, Node and Jest frames are skipped.
 */
export function topSites(fn: () => unknown): string | Promise<string> {
  let result: Measurement | Promise<Measurement>;
  try {
    result = outsideTestFigures(() => matcherCore().measureFigures(fn, { warmup: 0, sites: { hideFrame: isJestFrame } }, ONLY_ALLOCATED));
  } catch {
    return ''; // the profiler is taken (the tracer runs): no sites, the verdict stands
  }
  return andThen(result, (m) => {
    const sites = m.sites ?? [];
    if (sites.length === 0) return '';
    const lines = sites.slice(0, TOP_SITES).map((site) => `  ${String(site)}`);
    if (sites.length > TOP_SITES) lines.push(`  ...and ${sites.length - TOP_SITES} more`);
    return `\n\nTop allocating functions (V8 heap, one call):\n${lines.join('\n')}`;
  });
}

export function sizeWithParts(m: { heap: number; external: number }, total: number): string {
  return `${formatSize(total)} (heap ${formatSize(m.heap)}, external ${formatSize(m.external)})`;
}

export type { ExpectationResult, MatcherContext };
