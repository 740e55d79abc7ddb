import type { LeakOptions } from '../../core/leak';
import { formatSize } from '../../core/units';
import { matcherCore, outsideTestFigures } from '../bridge';
import { andThen, checkFunction, matcherError, type ExpectationResult, type MatcherContext } from './shared';

const name = 'toLeak';

/** `expect(fn).not.toLeak({ warmup, rounds, iterations, threshold })`: memory keeps growing across calls. */
export function toLeak(this: MatcherContext, received: unknown, options?: unknown): ExpectationResult {
  checkFunction(this, name, received);
  let plan: Required<LeakOptions>;
  try {
    plan = matcherCore().readLeakOptions(options as LeakOptions | undefined);
  } catch (error) {
    throw matcherError(this, name, 'options must be { warmup?, rounds?, iterations?, threshold? }', (error as Error).message);
  }
  const hint = this.utils.matcherHint(name, 'fn', '', { isNot: this.isNot, promise: this.promise });
  return andThen(outsideTestFigures(() => matcherCore().detectLeak(received, plan)), (report) => ({
    pass: report.leaking,
    message: () =>
      `${hint}\n\n` +
      `Expected fn ${this.isNot ? 'not ' : ''}to leak: memory ${this.isNot ? 'to stop' : 'to keep'} growing across ${report.rounds} rounds of ${report.iterations} calls (after ${report.warmup} warm-up rounds)\n` +
      `Received: growth per round ${report.growths.map((g) => this.utils.printReceived(formatSize(g, true))).join(', ')}\n` +
      `          ${formatSize(report.perCall, true)} per call on average (a leak is growth in all rounds but two, the median round at least ${formatSize(report.threshold)} per call)`,
  }));
}
