// Setup file: `setupFilesAfterEnv: ['jest-tracemalloc/matchers']` registers the memory matchers.
// Jest runs it for every test file, through its module registry: the matchers' code is loaded on
// first use, so that files which never measure memory do not pay for it.
import type { LeakOptions } from './core/leak';
import type { MemoryMatcherOptions, MatcherContext, ExpectationResult } from './jest/matchers/shared';
import type { Size } from './core/units';
import type { BaselineMatcherOptions } from './jest/matchers/toMatchAllocationBaseline';

import { outsideTestFigures } from './jest/bridge';

type Implementations = typeof import('./jest/matchers/index');
let loaded: Implementations | undefined;
// Loading (files read, modules compiled) is not the test's allocation either.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (): Implementations => (loaded ??= outsideTestFigures(() => require('./jest/matchers/index') as Implementations));

export const matchers = {
  toAllocateLessThan(this: MatcherContext, received: unknown, limit: unknown, options?: unknown): ExpectationResult {
    return load().toAllocateLessThan.call(this, received, limit, options);
  },
  toRetainLessThan(this: MatcherContext, received: unknown, limit: unknown, options?: unknown): ExpectationResult {
    return load().toRetainLessThan.call(this, received, limit, options);
  },
  toLeak(this: MatcherContext, received: unknown, options?: unknown): ExpectationResult {
    return load().toLeak.call(this, received, options);
  },
  toMatchAllocationBaseline(this: MatcherContext, received: unknown, options?: unknown): ExpectationResult {
    return load().toMatchAllocationBaseline.call(this, received, options);
  },
};

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
  /** What fn allocates matches its committed baseline (`__memory__/<test file>.json`); `jest -u` rewrites it. */
  toMatchAllocationBaseline(options?: BaselineMatcherOptions): R;
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

export type { MemoryMatcherOptions, LeakOptions, Size, BaselineMatcherOptions };
