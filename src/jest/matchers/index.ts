// The matchers' code, loaded by the setup file on first use (see src/matchers.ts).
export { toAllocateLessThan } from './toAllocateLessThan';
export { toRetainLessThan } from './toRetainLessThan';
export { toLeak } from './toLeak';
export { toMatchAllocationBaseline } from './toMatchAllocationBaseline';
