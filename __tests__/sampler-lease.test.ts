import { createContext } from 'node:vm';
import { acquireSampler, SamplerBusyError, samplerHolder, shareSampler } from '../src/v8/sampler-lease';

// V8's one sampling heap profiler, held by one user at a time; the Jest environment's background
// session pauses while anyone holds it, from either realm.
describe('the sampler lease', () => {
  test('one holder at a time; the busy error names who holds it; release is idempotent', () => {
    const release = acquireSampler('the tracer');
    expect(samplerHolder()).toBe('the tracer');
    expect(() => acquireSampler('measure()')).toThrow(new SamplerBusyError('the tracer'));
    expect(() => acquireSampler('measure()')).toThrow("V8's sampling heap profiler is in use by the tracer");
    release();
    release();
    expect(samplerHolder()).toBeNull();
    acquireSampler('measure()')();
  });

  test("a shared background session pauses while the lease is held, and every realm sees the same holder", () => {
    const calls: string[] = [];
    const testRealm = createContext({});
    const unshare = shareSampler([globalThis, testRealm], { pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    try {
      const release = acquireSampler('measure()');
      expect(calls).toEqual(['pause']);
      // the test realm's copy of the module reads its global: the same state object
      const shared = (testRealm as Record<symbol, { holder: string | null }>)[Symbol.for('jest-tracemalloc.samplerLease')];
      expect(shared?.holder).toBe('measure()');
      release();
      expect(calls).toEqual(['pause', 'resume']);
      expect(shared?.holder).toBeNull();
    } finally {
      unshare();
    }
    expect(Object.getOwnPropertySymbols(testRealm)).toEqual([]);
    acquireSampler('the tracer')();
    expect(calls).toEqual(['pause', 'resume']); // unshared: the session is no longer paused
  });
});
