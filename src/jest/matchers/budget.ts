import { formatSize } from '../../util/sizes';
import type { FiguresToTake, Measurement } from '../../measure/measure';
import {
  andThen,
  checkFunction,
  measured,
  readBudget,
  readOptions,
  recordFigure,
  sizeWithParts,
  topSites,
  type ExpectationResult,
  type MatcherContext,
  type MemoryMatcherOptions,
} from './shared';

interface Budget {
  name: string;
  /** How runs combine: 'average' or 'smallest'. */
  over: string;
  /** What is compared with the limit, and its parts. */
  figure: (m: Measurement) => { total: number; heap: number; external: number };
  what: 'allocated' | 'retained';
  /** The figures measured: only those compared, each kind costing calls of its own. */
  figures: FiguresToTake;
  /** Options used where the user gives none. */
  defaults?: MemoryMatcherOptions;
}

/** The shape shared by toAllocateLessThan and toRetainLessThan: one figure against one limit. */
export function budgetMatcher(budget: Budget) {
  return function (this: MatcherContext, received: unknown, limit: unknown, options?: unknown): ExpectationResult {
    const { name } = budget;
    checkFunction(this, name, received);
    const bytes = readBudget(this, name, limit);
    const measureOptions = { ...budget.defaults, ...readOptions(this, name, options) };
    const hint = this.utils.matcherHint(name, 'fn', 'limit', { isNot: this.isNot, promise: this.promise });
    return andThen(measured(this, name, received, measureOptions, budget.figures), (m) => {
      const { total, heap, external } = budget.figure(m);
      const pass = total < bytes;
      recordFigure(this, { matcher: name, figure: budget.what, bytes: total, limit: bytes, pass: pass !== this.isNot });
      const report = (sites: string) => ({
        pass,
        message: () =>
          `${hint}\n\n` +
          `Expected: ${this.isNot ? '>=' : '<'} ${this.utils.printExpected(formatSize(bytes))} ${budget.what}\n` +
          `Received:   ${this.utils.printReceived(sizeWithParts({ heap, external }, total))}` +
          `\n           ${m.runs === 1 ? 'one call' : `per call (${budget.over} of ${m.runs} runs)`} after ${m.warmup} warm-up` +
          sites,
      });
      // Sites cost a profiled call: only a failing assertion pays for them.
      return pass === !this.isNot ? report('') : andThen(topSites(received), report);
    });
  };
}
