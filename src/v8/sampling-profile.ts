import * as v8 from 'node:v8';
import type { CallFrame } from './call-frame';
import { post } from './inspector-session';

// Shapes of a sampling heap profile (the inspector's HeapProfiler.SamplingHeapProfile; Node 25+'s
// v8.startHeapProfile() gives the same).
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children: ProfileNode[];
}
export interface SamplingProfile {
  head: ProfileNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

export interface SamplingOptions {
  samplingInterval: number;
  /** Keep samples of objects that died: all allocations (traffic) instead of live objects only. */
  includeGarbage: boolean;
  /** The profile is read while sampling goes on (the tracer's snapshots): only the inspector can. */
  readWhileSampling?: boolean;
}

interface HeapProfileHandle {
  stop(): string;
}
type StartHeapProfile = (options: object) => HeapProfileHandle;

/**
 * Node 25+'s profiler API. The inspector forces a full GC each time a profile is read (V8's
 * kSamplingForceGC, which its startSampling always sets): 100-140 ms per test file on a ts-jest
 * worker's heap of a few hundred MB. This one reads without it.
 */
const startHeapProfile = (v8 as { startHeapProfile?: StartHeapProfile }).startHeapProfile;
/** The inspector's depth, so that either way the same frames are kept. */
const STACK_DEPTH = 128;
let running: HeapProfileHandle | null = null;

/** Starts V8's sampling heap profiler; its user holds the lease (sampler-lease.ts), or is the environment's background session. */
export function startSampling({ samplingInterval, includeGarbage, readWhileSampling = false }: SamplingOptions): void {
  if (startHeapProfile && !readWhileSampling) {
    running = startHeapProfile({
      sampleInterval: samplingInterval,
      stackDepth: STACK_DEPTH,
      forceGC: false,
      includeObjectsCollectedByMajorGC: includeGarbage,
      includeObjectsCollectedByMinorGC: includeGarbage,
    });
    return;
  }
  post('HeapProfiler.enable');
  post('HeapProfiler.startSampling', {
    samplingInterval,
    includeObjectsCollectedByMajorGC: includeGarbage,
    includeObjectsCollectedByMinorGC: includeGarbage,
  });
}

/** The profile so far, sampling going on: for sessions started with `readWhileSampling`. */
export function readSamplingProfile(): SamplingProfile {
  return post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
}

export function stopSampling(): SamplingProfile {
  const handle = running;
  if (handle) {
    running = null;
    // script ids as the inspector gives them (strings), by which positions are mapped to the source
    return JSON.parse(handle.stop(), (key, value: unknown) => (key === 'scriptId' ? String(value) : value)) as SamplingProfile;
  }
  return post<{ profile: SamplingProfile }>('HeapProfiler.stopSampling').profile;
}
