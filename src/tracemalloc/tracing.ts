import { getHeapStatistics } from 'node:v8';
import { AllocationCounter } from '../v8/allocation-counter';
import { forceGc } from '../v8/force-gc';
import { FrameResolver, isTracerFrame } from './frame-resolver';
import { HeapSnapshot, startAllocationTracking, stopAllocationTracking, trackingStoppedWhenIdle } from '../v8/heap-snapshot';
import { readSamplingProfile, startSampling, stopSampling } from '../v8/sampling-profile';
import { tracesFromProfile } from './profile-traces';
import { Snapshot } from './snapshot';
import { Trace } from './trace';
import { Traceback } from './traceback';
import { checkKnownOptions, describeValue } from '../util/checks';
import { acquireSampler, SamplerBusyError } from '../v8/sampler-lease';

export interface StartOptions {
  /** Frames kept per traceback (tracemalloc's nframe). Default 1, at most 65535. */
  nframe?: number;
  /**
   * Mean bytes between samples. 1 (default) records every allocation, as tracemalloc does; larger
   * intervals run faster and estimate sizes (counts become sample counts).
   */
  samplingInterval?: number;
  /**
   * Also record the allocating stack of every object with V8's allocation tracker (slower):
   * needed by getObjectTraceback() and for traces of the 'external' domain (ArrayBuffer and Buffer
   * memory). Default false.
   */
  trackObjects?: boolean;
}

interface TracerState {
  nframe: number;
  samplingInterval: number;
  trackObjects: boolean;
  counter: AllocationCounter;
  globalHandlesAtStart: number;
  resolver: FrameResolver;
  /** Gives V8's sampling heap profiler back (sampler-lease.ts). */
  release: () => void;
}

const MAX_NFRAME = 65535;
let state: TracerState | undefined;
let tracebackLimit = 1;

function checkNframe(nframe: unknown): number {
  if (!Number.isInteger(nframe) || (nframe as number) < 1 || (nframe as number) > MAX_NFRAME) {
    throw new RangeError(`the number of frames must be an integer in range [1; ${MAX_NFRAME}], got ${describeValue(nframe)}`);
  }
  return nframe as number;
}

function readOptions(options: number | StartOptions | undefined): StartOptions & { nframe: number } {
  if (options === undefined) return { nframe: 1 };
  if (typeof options === 'number') return { nframe: checkNframe(options) };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`start() expects a number of frames or an options object, got ${describeValue(options)}`);
  }
  try {
    checkKnownOptions(options, ['nframe', 'samplingInterval', 'trackObjects']);
  } catch (error) {
    throw new TypeError(`start(): ${(error as Error).message}`);
  }
  const { nframe = 1, samplingInterval, trackObjects } = options;
  if (samplingInterval !== undefined && (!Number.isInteger(samplingInterval) || samplingInterval < 1)) {
    throw new RangeError(`samplingInterval must be a positive integer number of bytes, got ${describeValue(samplingInterval)}`);
  }
  if (trackObjects !== undefined && typeof trackObjects !== 'boolean') {
    throw new TypeError(`trackObjects must be a boolean, got ${describeValue(trackObjects)}`);
  }
  return { nframe: checkNframe(nframe), samplingInterval, trackObjects };
}

/**
 * Starts the sampler, the object tracker and the counter, or leaves nothing running. Returns the
 * global-handle use to count the tracer's own memory from.
 */
function beginTracing(samplingInterval: number, trackObjects: boolean, counter: AllocationCounter): number {
  forceGc(); // a clean starting point: no garbage from before tracing in the figures
  startSampling({ samplingInterval, includeGarbage: false, readWhileSampling: true });
  try {
    if (trackObjects) startAllocationTracking();
  } catch (error) {
    stopSampling();
    throw error;
  }
  counter.begin();
  return getHeapStatistics().used_global_handles_size;
}

function endTracing(trackObjects: boolean, counter: AllocationCounter): void {
  counter.end();
  stopSampling();
  if (trackObjects) stopAllocationTracking();
}

/**
 * Starts tracing allocations. `start(25)` keeps 25 frames per traceback; `start({ samplingInterval })`
 * trades precision for speed. Calling it while tracing only updates the traceback limit.
 */
export function start(options?: number | StartOptions): void {
  const { nframe, samplingInterval, trackObjects } = readOptions(options);
  if (state) {
    const differs =
      (samplingInterval !== undefined && samplingInterval !== state.samplingInterval) ||
      (trackObjects !== undefined && trackObjects !== state.trackObjects);
    if (differs) {
      throw new Error(
        `already tracing with samplingInterval ${state.samplingInterval} and trackObjects ${state.trackObjects}; call stop() before starting with other options`,
      );
    }
    state.nframe = tracebackLimit = nframe;
    return;
  }
  let release: () => void;
  try {
    release = acquireSampler('the tracer');
  } catch (error) {
    if (!(error instanceof SamplerBusyError)) throw error;
    throw new Error(`cannot start tracing while ${error.holder} runs (it uses V8's sampling heap profiler): start() before ${error.holder}, or after it`);
  }
  const counter = new AllocationCounter();
  const fresh = { samplingInterval: samplingInterval ?? 1, trackObjects: trackObjects ?? false };
  let globalHandlesAtStart: number;
  try {
    globalHandlesAtStart = beginTracing(fresh.samplingInterval, fresh.trackObjects, counter);
  } catch (error) {
    release();
    throw error;
  }
  tracebackLimit = nframe;
  state = {
    nframe,
    ...fresh,
    counter,
    globalHandlesAtStart,
    resolver: new FrameResolver(),
    release,
  };
}

/** Stops tracing and forgets all traces. Does nothing when not tracing. */
export function stop(): void {
  if (!state) return;
  const { trackObjects, counter, release } = state;
  state = undefined;
  try {
    endTracing(trackObjects, counter);
  } finally {
    release();
  }
}

export function isTracing(): boolean {
  return state !== undefined;
}

/** Frames kept per traceback: the `nframe` of the last `start()` (1 before any). */
export function getTracebackLimit(): number {
  return tracebackLimit;
}

/**
 * The traces of all live objects allocated since tracing started (or since `clearTraces()`).
 * Runs a full garbage collection first, so that only reachable objects are reported.
 * @throws Error when not tracing.
 */
export function takeSnapshot(): Snapshot {
  if (!state) {
    throw new Error('the tracer must be tracing memory allocations to take a snapshot: call start() first');
  }
  const { nframe, samplingInterval, resolver, trackObjects, counter } = state;
  return counter.withoutPeak(() => {
    forceGc();
    const traces = tracesFromProfile(readSamplingProfile(), { nframe, resolver });
    if (trackObjects) {
      checkTracking();
      traces.push(...externalTraces(nframe, resolver));
    }
    return new Snapshot(traces, nframe, samplingInterval);
  });
}

function externalTraces(nframe: number, resolver: FrameResolver): Trace[] {
  const heap = HeapSnapshot.take();
  const bySite = new Map<number, { size: number; count: number }>();
  for (const { size, traceNodeId } of heap.arrayBufferStores()) {
    const site = bySite.get(traceNodeId) ?? { size: 0, count: 0 };
    site.size += size;
    site.count += 1;
    bySite.set(traceNodeId, site);
  }
  const traces: Trace[] = [];
  for (const [traceNodeId, { size, count }] of bySite) {
    const frames = heap.stackOf(traceNodeId).map((cf) => resolver.resolve(cf));
    traces.push(new Trace('external', size, new Traceback(frames.slice(-nframe), frames.length), count));
  }
  return traces;
}

/**
 * `{ current, peak }` bytes (heap + external) above the point where tracing started. `current` is
 * what is still reachable (a full GC runs first); `peak` is the most that was in use at once,
 * garbage not yet collected included, because that is what the process really held.
 */
export function getTracedMemory(): { current: number; peak: number } {
  if (!state) return { current: 0, peak: 0 };
  const peak = state.counter.peak();
  forceGc();
  const growth = state.counter.growth();
  const current = Math.max(0, growth.heap + growth.external);
  return { current, peak: Math.max(current, peak) };
}

/** Sets the peak returned by `getTracedMemory()` to the current size. */
export function resetPeak(): void {
  state?.counter.resetPeak();
}

/** Forgets the traces recorded so far and restarts the memory counts from here; tracing goes on. */
export function clearTraces(): void {
  if (!state) return;
  const { samplingInterval, trackObjects, counter } = state;
  endTracing(trackObjects, counter);
  try {
    state.globalHandlesAtStart = beginTracing(samplingInterval, trackObjects, counter);
  } catch (error) {
    const { release } = state;
    state = undefined; // nothing is running any more: say so rather than pretend
    release();
    throw error;
  }
}

/**
 * Bytes the tracer holds to store traces, as far as V8 shows them: the handles that keep track of
 * each sampled object. V8's own per-sample records (about 80 bytes each) are not visible and not counted.
 */
export function getTracemallocMemory(): number {
  if (!state) return 0;
  return Math.max(0, getHeapStatistics().used_global_handles_size - state.globalHandlesAtStart);
}

function checkTracking(): void {
  if (trackingStoppedWhenIdle()) {
    throw new Error(
      'object tracking stopped when the program had nothing left to run (V8 keeps a timer alive while it tracks); call stop() and start({ trackObjects: true }) again',
    );
  }
}

let probeCounter = 0;

/**
 * Where `obj` was allocated, or null if it was allocated before tracing started (or is not an
 * object). Needs `start({ trackObjects: true })`. Slow: it takes a heap snapshot; never a guess.
 */
export function getObjectTraceback(obj: unknown): Traceback | null {
  if (!state) return null;
  if (!state.trackObjects) {
    throw new Error('getObjectTraceback() needs allocation tracking: start tracing with start({ trackObjects: true })');
  }
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return null;
  checkTracking();
  const { nframe, resolver, counter } = state;
  return counter.withoutPeak(() => {
    const key = `__jest_tracemalloc_probe_${process.pid}_${++probeCounter}`;
    const holder: Record<string, unknown> = { [key]: obj };
    const heap = HeapSnapshot.take();
    const node = heap.findByProbe(key);
    holder[key] = undefined; // the holder must stay alive until the snapshot is taken
    const traceNodeId = node === null ? 0 : heap.traceNodeOf(node);
    if (traceNodeId === 0) return null;
    const frames = heap.stackOf(traceNodeId).map((cf) => resolver.resolve(cf));
    // V8's allocation tracker forgets no address: an object from before start() that a GC moves onto
    // the address of a dead object the tracer allocated (for a snapshot) inherits its site. The
    // tracer allocates no object of the program's, so a site of its own is that mistake.
    const site = frames[frames.length - 1];
    if (!site || isTracerFrame(site)) return null;
    return new Traceback(frames.slice(-nframe), frames.length);
  });
}
