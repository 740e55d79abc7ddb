// Setup file: `setupFilesAfterEnv: ['jest-tracemalloc/matchers']` registers the memory matchers
// (jest/matchers/register.ts); importing it in a .d.ts gives TypeScript their types.
import type { LeakOptions } from './measure/leak';
import type { MemoryMatcherOptions } from './jest/matchers/shared';
import type { Size } from './util/sizes';
import type { BaselineMatcherOptions } from './jest/matchers/toMatchAllocationBaseline';

import { matchers } from './jest/matchers/register';

export { matchers };

/** The memory matchers; `R` is `Promise<void>` when fn is async (await the assertion). */
export interface MemoryMatchers<R> {
  /** Bytes allocated while fn runs (heap + external, garbage included) stay under `limit`. */
  toAllocateLessThan(limit: Size, options?: MemoryMatcherOptions): R;
  /** Bytes still reachable after fn and a full GC stay under `limit`. */
  toRetainLessThan(limit: Size, options?: MemoryMatcherOptions): R;
  /** Memory keeps growing across repeated calls; use as `.not.toLeak()`. */
  toLeak(options?: LeakOptions): R;
  /** What fn allocates matches its committed baseline (`__memory__/<test file>.json`); `jest -u` rewrites it. */
  toMatchAllocationBaseline(options?: BaselineMatcherOptions): R;
}

declare global {
  namespace jest {
    interface Matchers<R, T = {}> extends MemoryMatchers<R> {}
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends MemoryMatchers<R> {}
}

export type { MemoryMatcherOptions, LeakOptions, Size, BaselineMatcherOptions };
