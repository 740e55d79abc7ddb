import { budgetMatcher } from './budget';
import { ONLY_ALLOCATED } from './shared';

/** `expect(fn).toAllocateLessThan('1MiB', { warmup, runs })`: bytes allocated while fn runs, garbage included. */
export const toAllocateLessThan = budgetMatcher({
  name: 'toAllocateLessThan',
  what: 'allocated',
  over: 'average',
  figures: ONLY_ALLOCATED,
  figure: (m) => ({ total: m.allocated, heap: m.heap, external: m.external }),
});
