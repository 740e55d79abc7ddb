import { budgetMatcher } from './budget';

/**
 * `expect(fn).toRetainLessThan('100 KiB')`: bytes still reachable after fn and a full GC. Three
 * runs by default: the smallest counts, so code V8 compiles during one call is not a failure.
 */
export const toRetainLessThan = budgetMatcher({
  name: 'toRetainLessThan',
  defaults: { runs: 3 },
  what: 'retained',
  over: 'smallest',
  figures: { allocated: false, retained: true },
  figure: (m) => ({ total: m.retained, heap: m.retainedHeap, external: m.retainedExternal }),
});
