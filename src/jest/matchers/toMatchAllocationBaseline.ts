import type { Measurement } from '../../measure/measure';
import { formatSize } from '../../util/sizes';
import { checkKnownOptions, describeValue } from '../../util/checks';
import { bridge, matcherCore, outsideTestFigures } from '../runtime/bridge';
import type { BaselineEntry, BaselineSite } from '../baselines/baseline-file';
import { siteFile, type BaselineCheck } from '../baselines/baseline-store';
import { describeTolerance, readTolerance, type Tolerance, type ToleranceOption, type Verdict } from '../baselines/tolerance';
import { andThen, checkFunction, checkMeasureOptions, currentTest, matcherError, profiledSites, recordFigure, siteLabel, sizeWithParts, withinTestTimeout, type ExpectationResult, type MatcherContext } from './shared';

const name = 'toMatchAllocationBaseline';
const SITES = 5;

export interface BaselineMatcherOptions {
  /** Calls before measuring. Default 2. */
  warmup?: number;
  /** Measured calls; the smallest is compared (the steadiest from run to run). Default 5. */
  runs?: number;
  /** Also keep and compare the bytes retained. Default false. */
  retained?: boolean;
  /** How far from the baseline still matches: '10%', '64KiB', or { percent, bytes }. Default 15% and 16 KiB. */
  tolerance?: ToleranceOption;
  /** Fail when the figure dropped beyond the tolerance too (default: pass, and report it). */
  failOnImprovement?: boolean;
}

interface BaselinePlan {
  warmup: number;
  runs: number;
  retained: boolean;
  tolerance: Tolerance | undefined;
  failOnImprovement: boolean | undefined;
}

function readOptions(context: MatcherContext, options: unknown): BaselinePlan {
  const fail = (why: string): never => {
    throw matcherError(context, name, 'options must be { warmup?, runs?, retained?, tolerance?, failOnImprovement? }', `${why}\n\nOptions: ${context.utils.stringify(options)}`);
  };
  if (options === undefined) return { warmup: 2, runs: 5, retained: false, tolerance: undefined, failOnImprovement: undefined };
  if (typeof options !== 'object' || options === null) return fail(`got ${describeValue(options)}`);
  const given = options as BaselineMatcherOptions;
  try {
    checkKnownOptions(given, ['warmup', 'runs', 'retained', 'tolerance', 'failOnImprovement']);
  } catch (error) {
    fail((error as Error).message);
  }
  if (given.retained !== undefined && typeof given.retained !== 'boolean') fail(`retained must be a boolean, got ${describeValue(given.retained)}`);
  if (given.failOnImprovement !== undefined && typeof given.failOnImprovement !== 'boolean') fail(`failOnImprovement must be a boolean, got ${describeValue(given.failOnImprovement)}`);
  let tolerance: Tolerance | undefined;
  try {
    tolerance = given.tolerance === undefined ? undefined : readTolerance(given.tolerance);
  } catch (error) {
    fail((error as Error).message);
  }
  return { warmup: given.warmup ?? 2, runs: given.runs ?? 5, retained: given.retained ?? false, tolerance, failOnImprovement: given.failOnImprovement };
}

/** Top allocating functions of one profiled call, as a baseline keeps them. */
function sitesOf(fn: () => unknown, rootDir: string): BaselineSite[] | Promise<BaselineSite[]> {
  return andThen(profiledSites(fn), (sites) =>
    sites.slice(0, SITES).map((s) => {
      const frame = s.traceback.mostRecent;
      return { function: frame?.functionName ?? '', file: siteFile(frame?.filename ?? '', rootDir), line: frame?.lineno ?? 0, size: s.size };
    }),
  );
}

/** "Functions whose allocations grew most", from the baseline's sites and now's. */
function grownSites(before: BaselineSite[] = [], after: BaselineSite[]): string {
  const key = (s: BaselineSite) => siteLabel(s.function, s.file, s.line);
  const old = new Map(before.map((s) => [key(s), s.size]));
  const rows = after
    .map((s) => ({ where: key(s), was: old.get(key(s)) ?? 0, now: s.size }))
    .filter((r) => r.now > r.was)
    .sort((a, b) => b.now - b.was - (a.now - a.was))
    .slice(0, SITES);
  if (rows.length === 0) return '';
  const lines = rows.map((r) => `  ${r.where}: ${formatSize(r.was)} -> ${formatSize(r.now)} (${formatSize(r.now - r.was, true)})`);
  return `\n\nFunctions whose allocations grew most (V8 heap, one call):\n${lines.join('\n')}`;
}

const percent = (base: number, now: number): string => (base === 0 ? 'from nothing' : `${now >= base ? '+' : ''}${(((now - base) / base) * 100).toFixed(1)}%`);

/**
 * `expect(fn).toMatchAllocationBaseline()`: what fn allocates, against the figure committed in
 * `__memory__/<test file>.json` (written on the first run, checked after, rewritten by `jest -u`).
 */
export function toMatchAllocationBaseline(this: MatcherContext, received: unknown, options?: unknown): ExpectationResult {
  checkFunction(this, name, received);
  const plan = readOptions(this, options);
  if (this.isNot) throw matcherError(this, name, '.not cannot be used with toMatchAllocationBaseline', 'A baseline is matched or not; to assert a budget, use toAllocateLessThan.');
  const environment = bridge();
  if (!environment) {
    throw matcherError(
      this,
      name,
      "allocation baselines need jest-tracemalloc's environment",
      "Use `preset: 'jest-tracemalloc'`, or `testEnvironment: 'jest-tracemalloc/environment'`.",
    );
  }
  const testName = currentTest(this);
  if (!testName || !this.testPath) throw matcherError(this, name, 'no current test', 'toMatchAllocationBaseline must run inside a test.');
  const store = environment.baselines();
  const key = store.nextKey(testName);
  const settings = environment.baselineSettings();
  const tolerance = plan.tolerance ?? settings.tolerance;
  const failOnImprovement = plan.failOnImprovement ?? settings.failOnImprovement;
  checkMeasureOptions(this, name, { warmup: plan.warmup, runs: plan.runs });
  const figures = { allocated: true, retained: plan.retained };
  const measured = withinTestTimeout(this, name, 'warmup, runs', (deadline) =>
    outsideTestFigures(() => matcherCore().measureFigures(received, { warmup: plan.warmup, runs: plan.runs }, figures, deadline)),
  );
  const hint = this.utils.matcherHint(name, 'fn', '', { promise: this.promise });
  return andThen(measured, (m) => {
    const now: BaselineEntry = { allocated: m.smallest.allocated, heap: m.smallest.heap, external: m.smallest.external };
    if (plan.retained) now.retained = m.retained;
    const check: BaselineCheck = store.check(key, now, tolerance, failOnImprovement);
    recordFigure(this, { matcher: name, figure: 'allocated', bytes: now.allocated, ...(check.baseline ? { limit: check.baseline.allocated } : {}), pass: check.status !== 'failed' });
    const message = (extra: string) => () => report(this, hint, check, now, tolerance, m) + extra;
    if (check.status === 'written' || check.status === 'updated') {
      return andThen(sitesOf(received, environment.rootDir), (sites) => {
        if (sites.length > 0) store.attachSites(key, sites);
        return { pass: true, message: message('') };
      });
    }
    if (check.status === 'failed' && check.baseline && !check.problem) {
      return andThen(sitesOf(received, environment.rootDir), (sites) => ({ pass: false, message: message(grownSites(check.baseline?.sites, sites)) }));
    }
    return { pass: check.status !== 'failed', message: message('') };
  });
}

function report(context: MatcherContext, hint: string, check: BaselineCheck, now: BaselineEntry, tolerance: Tolerance, m: Measurement): string {
  const lines = [hint, ''];
  if (check.problem) return [...lines, check.problem].join('\n');
  lines.push(`Allocation baseline ${JSON.stringify(check.key)} in ${check.file}`);
  const base = check.baseline;
  if (base) {
    lines.push(`Baseline: ${context.utils.printExpected(sizeWithParts(base, base.allocated))}`);
    lines.push(`Now:      ${context.utils.printReceived(sizeWithParts(now, now.allocated))}`);
    const verdicts = check.verdicts;
    const beyond = (verdict: Verdict | undefined): string => (verdict && verdict !== 'same' ? `: beyond the tolerance (${verdict === 'worse' ? 'more' : 'less'})` : ': within the tolerance');
    lines.push(`Change:   ${formatSize(now.allocated - base.allocated, true)} (${percent(base.allocated, now.allocated)}) allocated${beyond(verdicts?.allocated)}; tolerance ${describeTolerance(tolerance)}`);
    if (base.retained !== undefined && now.retained !== undefined) {
      lines.push(`Retained: ${formatSize(base.retained)} -> ${formatSize(now.retained)} (${formatSize(now.retained - base.retained, true)})${beyond(verdicts?.retained)}`);
    }
    lines.push(`          smallest of ${m.runs} calls after ${m.warmup} warm-up`);
  }
  if (check.status === 'failed' && base) lines.push('', 'If the change is intended, run `jest -u` to accept the new figure.');
  if (check.status === 'improved' || (check.status === 'failed' && base && now.allocated < base.allocated)) {
    lines.push('', 'It allocates less than its baseline: run `jest -u` to record the improvement.');
  }
  return lines.join('\n');
}
