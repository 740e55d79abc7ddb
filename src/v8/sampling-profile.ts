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
  /**
   * Frames kept per sample, on Node 25+ (the inspector always keeps 128). A session whose profile is
   * thrown away (bounding allocation buffers) keeps 1: each sample walks no more of the stack.
   */
  stackDepth?: number;
  /**
   * A step exactly every `samplingInterval` bytes instead of random ones of that mean (V8's
   * --sampling-heap-profiler-suppress-randomness, on until sampling stops): what a step bounds, or
   * marks, is then never more than one interval away.
   */
  exactSteps?: boolean;
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
const INSPECTOR_STACK_DEPTH = 128;
let running: HeapProfileHandle | null = null;

/** Starts V8's sampling heap profiler; its user holds the lease (sampler-lease.ts), or is the environment's background session. */
export function startSampling(options: SamplingOptions): void {
  const { samplingInterval, includeGarbage, readWhileSampling = false, stackDepth = INSPECTOR_STACK_DEPTH, exactSteps = false } = options;
  if (exactSteps) suppressRandomness(true);
  try {
    if (startHeapProfile && !readWhileSampling) {
      running = startHeapProfile({
        sampleInterval: samplingInterval,
        stackDepth,
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
  } catch (error) {
    suppressRandomness(false);
    throw error;
  }
}

let randomnessSuppressed = false;

function suppressRandomness(on: boolean): void {
  if (on === randomnessSuppressed) return;
  v8.setFlagsFromString(on ? '--sampling-heap-profiler-suppress-randomness' : '--no-sampling-heap-profiler-suppress-randomness');
  randomnessSuppressed = on;
}

/** The profile so far, sampling going on: for sessions started with `readWhileSampling`. */
export function readSamplingProfile(): SamplingProfile {
  return post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
}

export function stopSampling(): SamplingProfile {
  suppressRandomness(false);
  const handle = running;
  if (handle) {
    running = null;
    return withStringScriptIds(JSON.parse(handle.stop()) as SamplingProfile);
  }
  return post<{ profile: SamplingProfile }>('HeapProfiler.stopSampling').profile;
}

/**
 * Script ids as the inspector gives them (strings), by which positions are mapped to the source.
 * Set node by node: with a JSON.parse reviver, called for every key of every node, parsing a ts-jest
 * suite's sites profiles took 664 ms (82 files, 2,300 nodes each, Node 26); this way, 220 ms.
 */
function withStringScriptIds(profile: SamplingProfile): SamplingProfile {
  const nodes = [profile.head];
  for (let node = nodes.pop(); node; node = nodes.pop()) {
    node.callFrame.scriptId = String(node.callFrame.scriptId);
    nodes.push(...node.children);
  }
  return profile;
}

/** Heap snapshots compared by object id are open (heap-growth.ts): V8's ids must stay as they are. */
let idsPinned = 0;

/** Keeps discardSampling() from forgetting V8's heap object ids until the returned function is called. */
export function pinObjectIds(): () => void {
  idsPinned++;
  let unpinned = false;
  return () => {
    if (!unpinned) idsPinned--;
    unpinned = true;
  };
}

/**
 * Stops sampling without reading the profile, for sessions that only bound allocation buffers.
 * Reading through the inspector forces a full GC (147 ms a file on average, 12 s over a ts-jest
 * suite's 82 files, Node 22); its HeapProfiler.disable stops V8's sampler without one. It also
 * forgets V8's heap object ids, so while snapshots are being compared by id the profile is read instead.
 */
export function discardSampling(): void {
  if (running || idsPinned > 0) {
    stopSampling();
    return;
  }
  suppressRandomness(false);
  post('HeapProfiler.disable');
}
