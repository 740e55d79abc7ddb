// Registers the memory matchers on Jest's global expect (the setup file, src/matchers.ts). Jest runs
// it for every test file, through its module registry: the matchers' code is loaded on first use, so
// that files which never measure memory do not pay for it.
import type { MatcherContext, ExpectationResult } from './shared';
import { outsideTestFigures } from '../runtime/bridge';

type Implementations = typeof import('./index');
let loaded: Implementations | undefined;
// Loading (files read, modules compiled) is not the test's allocation either.
const load = (): Implementations => (loaded ??= outsideTestFigures(() => require('./index') as Implementations));

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

