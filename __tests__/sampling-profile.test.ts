import { GCProfiler } from 'node:v8';
import { discardSampling, pinObjectIds, readSamplingProfile, startSampling, stopSampling } from '../src/v8/sampling-profile';

// The inspector's session of V8's sampling profiler (every line; readWhileSampling forces it on
// Node 25+ too): reading its profile forces a full GC, which a session nobody reads must not pay.
const inspectorSession = { samplingInterval: 1024, includeGarbage: true, readWhileSampling: true };

/** Full GCs during `work`. */
function fullGcsDuring(work: () => void): number {
  const profiler = new GCProfiler();
  profiler.start();
  work();
  const stats = (profiler.stop() as { statistics: { gcType: string }[] } | undefined)?.statistics ?? [];
  return stats.filter((entry) => entry.gcType === 'MarkSweepCompact').length;
}

let sink: unknown[] = [];
const allocate = (count: number): void => {
  sink = Array.from({ length: count }, (_, i) => ({ i, name: `item ${i}` }));
};

describe('sampling profiles', () => {
  afterEach(() => {
    sink = [];
  });

  test('a session nobody reads stops without a full GC, and sampling really stops', () => {
    startSampling(inspectorSession);
    allocate(10_000);
    expect(fullGcsDuring(() => discardSampling())).toBe(0);
    // Had the old session gone on, this start would be ignored and its samples of the next
    // allocation (about 1 MB, every object kept by includeGarbage) read below.
    allocate(20_000);
    startSampling(inspectorSession);
    const profile = readSamplingProfile();
    stopSampling();
    const sampled = profile.samples.reduce((sum, sample) => sum + sample.size, 0);
    expect(sampled).toBeLessThan(64 * 1024);
  });

  test('while heap snapshots are compared by object id, the profile is read instead (V8 keeps its ids)', () => {
    const unpin = pinObjectIds();
    try {
      startSampling(inspectorSession);
      allocate(10_000);
      expect(fullGcsDuring(() => discardSampling())).toBe(1);
    } finally {
      unpin();
    }
    startSampling(inspectorSession);
    expect(fullGcsDuring(() => discardSampling())).toBe(0);
  });

  test('every frame of a stopped profile carries its script id as a string, as the inspector gives it', () => {
    // Node 25+ reads this session through v8.startHeapProfile, whose JSON gives numbers
    startSampling({ samplingInterval: 1024, includeGarbage: true });
    const nested = (depth: number): void => (depth === 0 ? allocate(2_000) : nested(depth - 1));
    nested(5);
    const profile = stopSampling();
    const types = new Set<string>();
    const nodes = [profile.head];
    for (let node = nodes.pop(); node; node = nodes.pop()) {
      types.add(typeof node.callFrame.scriptId);
      nodes.push(...node.children);
    }
    expect([...types]).toEqual(['string']);
    expect(profile.samples.length).toBeGreaterThan(0);
  });
});
