import { budgetMatcher } from './budget';

/** `expect(fn).toRetainLessThan('100 KiB')`: bytes still reachable after fn and a full GC. */
export const toRetainLessThan = budgetMatcher({
  name: 'toRetainLessThan',
  what: 'retained',
  figure: (m) => ({ total: m.retained, heap: m.retainedHeap, external: m.retainedExternal }),
});
