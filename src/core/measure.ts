import { AllocationCounter } from './allocation-counter';
import { boundAllocationBuffers } from './allocation-buffers';
import { forceGc } from './force-gc';
import { FrameResolver, isRuntimeFrame, isTracerFrame } from './frames';
import type { Frame } from './frame';
import { startSampling, stopSampling, tracesFromProfile } from './sampling-profile';
import { isSamplerBusy, setSamplerOwner } from './sampler-owner';
import { Snapshot } from './snapshot';
import { Statistic } from './statistic';
import { checkCount, describe } from './units';
import { drive } from './drive';
import { makeAllocationsRepeatable } from './repeatable-allocations';

export interface SitesOptions {
  /** Mean bytes between samples; 1 (default) records every allocation. */
  samplingInterval?: number;
  /** Frames to skip when attributing an allocation, besides Node's and the tracer's own. */
  hideFrame?: (frame: Frame) => boolean;
}

export interface MeasureOptions {
  /** Calls before measuring, so that first-run costs (compilation, caches) are left out. Default 1. */
  warmup?: number;
  /** Measured calls; figures are per call (averaged). Default 1. */
  runs?: number;
  /** Also record which functions allocated (slower: uses the sampling heap profiler). Default false. */
  sites?: boolean | SitesOptions;
}

export interface Measurement {
  /** Bytes allocated per call, heap + external, garbage included. */
  allocated: number;
  /** The V8 heap part of `allocated`. */
  heap: number;
  /** The ArrayBuffer/Buffer part of `allocated`. */
  external: number;
  /**
   * Bytes still reachable after a call and a full GC, heap + external (negative if the call freed
   * memory): the call with the smallest figure, because what V8 keeps for itself now and then
   * (code it compiled during a call) is not the function's; what a function keeps, it keeps on
   * every call.
   */
  retained: number;
  retainedHeap: number;
  retainedExternal: number;
  /** Highest heap + external in use during a call, above the starting point. */
  peak: number;
  /**
   * The measured call that allocated least. V8's own work (compiling, feedback) only ever adds to a
   * call, so the smallest call is the steadiest figure from run to run; baselines compare it.
   */
  smallest: { allocated: number; heap: number; external: number };
  runs: number;
  warmup: number;
  /** Allocating functions, biggest first, with per-call sizes (only with `sites`). */
  sites?: Statistic[];
}

/** Same as `Measurement`, or a promise of it when `fn` returns a promise. */
export type MeasureResult<R> = R extends PromiseLike<unknown> ? Promise<Measurement> : Measurement;

interface Plan {
  warmup: number;
  runs: number;
  sites: Required<Omit<SitesOptions, 'hideFrame'>> & Pick<SitesOptions, 'hideFrame'> | null;
}

export function readMeasureOptions(options: MeasureOptions | undefined): Plan {
  if (options === undefined) return { warmup: 1, runs: 1, sites: null };
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['warmup', 'runs', 'sites'].includes(key)) {
      throw new TypeError(`unknown option ${JSON.stringify(key)}; known options are warmup, runs, sites`);
    }
  }
  const warmup = checkCount('warmup', options.warmup ?? 1, 0);
  const runs = checkCount('runs', options.runs ?? 1, 1);
  const sites = options.sites ?? false;
  if (sites === false) return { warmup, runs, sites: null };
  if (sites === true) return { warmup, runs, sites: { samplingInterval: 1 } };
  if (typeof sites !== 'object' || sites === null) throw new TypeError(`sites must be a boolean or an object, got ${describe(sites)}`);
  const samplingInterval = checkCount('sites.samplingInterval', sites.samplingInterval ?? 1, 1);
  if (sites.hideFrame !== undefined && typeof sites.hideFrame !== 'function') {
    throw new TypeError(`sites.hideFrame must be a function, got ${describe(sites.hideFrame)}`);
  }
  return { warmup, runs, sites: { samplingInterval, hideFrame: sites.hideFrame } };
}

/** The measuring procedure: it yields where `fn` must be called (see drive.ts). */
function* procedure(plan: Plan): Generator<void, Measurement, void> {
  for (let i = 0; i < plan.warmup; i++) yield;
  const totals = { heap: 0, external: 0, peak: 0 };
  let kept: { heap: number; external: number } | null = null;
  let smallest: { heap: number; external: number } | null = null;
  const counter = new AllocationCounter();
  const resolver = plan.sites ? new FrameResolver() : null;
  let sampling = false;
  let profile: ReturnType<typeof stopSampling> | null = null;
  let unbound: (() => void) | null = null;
  try {
    if (plan.sites) {
      // sampling at the sites' interval bounds the allocation buffers too (allocation-buffers.ts)
      startSampling({ samplingInterval: plan.sites.samplingInterval, includeGarbage: true });
      setSamplerOwner('measure');
      sampling = true;
    } else {
      unbound = boundAllocationBuffers();
    }
    for (let i = 0; i < plan.runs; i++) {
      forceGc();
      counter.begin();
      yield;
      const allocated = counter.allocated();
      totals.peak = Math.max(totals.peak, counter.peakSoFar());
      forceGc();
      const retained = counter.growth();
      counter.end();
      totals.heap += allocated.heap;
      totals.external += allocated.external;
      if (!smallest || allocated.heap + allocated.external < smallest.heap + smallest.external) smallest = allocated;
      if (!kept || retained.heap + retained.external < kept.heap + kept.external) kept = retained;
    }
  } finally {
    counter.end();
    unbound?.();
    if (sampling) {
      profile = stopSampling();
      setSamplerOwner(null);
    }
  }
  const runs = plan.runs;
  const measurement: Measurement = {
    allocated: Math.round((totals.heap + totals.external) / runs),
    heap: Math.round(totals.heap / runs),
    external: Math.round(totals.external / runs),
    retained: (kept?.heap ?? 0) + (kept?.external ?? 0),
    retainedHeap: kept?.heap ?? 0,
    retainedExternal: kept?.external ?? 0,
    peak: totals.peak,
    smallest: { allocated: (smallest?.heap ?? 0) + (smallest?.external ?? 0), heap: smallest?.heap ?? 0, external: smallest?.external ?? 0 },
    runs,
    warmup: plan.warmup,
  };
  if (plan.sites && resolver && profile) {
    const hide = plan.sites.hideFrame;
    const traces = tracesFromProfile(profile, {
      nframe: 1,
      resolver,
      dropTracerAllocations: true,
      hideFrame: (frame) => isRuntimeFrame(frame) || isTracerFrame(frame) || (hide?.(frame) ?? false),
    });
    measurement.sites = new Snapshot(traces, 1, plan.sites.samplingInterval)
      .statistics('lineno')
      .map((s) => new Statistic(s.traceback, Math.round(s.size / runs), Math.round(s.count / runs)));
  }
  return measurement;
}

/**
 * Measures what `fn` allocates, from V8's GC accounting: exact totals that cost nothing to the code
 * measured. Runs `fn` `warmup` times first, then `runs` times, each from a clean heap (full GC).
 * Returns a promise when `fn` does, measured until it settles.
 *
 * The first call switches off V8's allocation-site pretenuring and concurrent on-stack replacement
 * for the process, so that a function's figures do not hang on what ran before it or on a background
 * compile (repeatable-allocations.ts); while it measures, the sampling heap profiler runs at 512 B
 * so that the old generation is counted to the allocation (allocation-buffers.ts).
 */
export function measure<R>(fn: () => R, options?: MeasureOptions): MeasureResult<R> {
  if (typeof fn !== 'function') throw new TypeError(`measure() expects a function, got ${describe(fn)}`);
  const plan = readMeasureOptions(options);
  makeAllocationsRepeatable();
  if (plan.sites && isSamplerBusy()) {
    throw new Error('cannot record allocation sites while the tracer is tracing (start() was called): stop() it first');
  }
  return drive(fn, procedure(plan)) as MeasureResult<R>;
}
