import { budgetMatcher } from './budget';

/** `expect(fn).toAllocateLessThan('1MiB', { warmup, runs })`: bytes allocated while fn runs, garbage included. */
export const toAllocateLessThan = budgetMatcher({
  name: 'toAllocateLessThan',
  what: 'allocated',
  over: 'average',
  figures: { allocated: true, retained: false },
  figure: (m) => ({ total: m.allocated, heap: m.heap, external: m.external }),
});
