// Setup file: `setupFilesAfterEnv: ['jest-tracemalloc/matchers']` registers the memory matchers.
import { toAllocateLessThan } from './jest/matchers/toAllocateLessThan';
import { toRetainLessThan } from './jest/matchers/toRetainLessThan';
import { toLeak } from './jest/matchers/toLeak';
import type { LeakOptions } from './core/leak';
import type { MemoryMatcherOptions } from './jest/matchers/shared';
import type { Size } from './core/units';

export const matchers = { toAllocateLessThan, toRetainLessThan, toLeak };

const globalExpect = (globalThis as { expect?: { extend?: (m: object) => void } }).expect;
if (typeof globalExpect?.extend !== 'function') {
  throw new Error(
    "jest-tracemalloc/matchers must run where Jest's `expect` is global: list it in `setupFilesAfterEnv`, not `setupFiles`",
  );
}
globalExpect.extend(matchers);

/** The memory matchers; `R` is `Promise<void>` when fn is async (await the assertion). */
export interface MemoryMatchers<R> {
  /** Bytes allocated while fn runs (heap + external, garbage included) stay under `limit`. */
  toAllocateLessThan(limit: Size, options?: MemoryMatcherOptions): R;
  /** Bytes still reachable after fn and a full GC stay under `limit`. */
  toRetainLessThan(limit: Size, options?: MemoryMatcherOptions): R;
  /** Memory keeps growing across repeated calls; use as `.not.toLeak()`. */
  toLeak(options?: LeakOptions): R;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends MemoryMatchers<R> {}
  }
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends MemoryMatchers<R> {}
}

export type { MemoryMatcherOptions, LeakOptions, Size };
