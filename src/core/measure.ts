import { AllocationCounter } from './allocation-counter';
import { boundAllocationBuffers } from './allocation-buffers';
import { forceGc, forceMinorGc } from './force-gc';
import { FrameResolver, isRuntimeFrame, isTracerFrame } from './frames';
import type { Frame } from './frame';
import { startSampling, stopSampling, tracesFromProfile } from './sampling-profile';
import { isSamplerBusy, setSamplerOwner } from './sampler-owner';
import { Snapshot } from './snapshot';
import { Statistic } from './statistic';
import { checkCount, describe } from './units';
import { drive } from './drive';
import { letCompilesFinish, makeAllocationsRepeatable } from './repeatable-allocations';

export interface SitesOptions {
  /** Mean bytes between samples; 1 (default) records every allocation. */
  samplingInterval?: number;
  /** Frames to skip when attributing an allocation, besides Node's and the tracer's own. */
  hideFrame?: (frame: Frame) => boolean;
}

export interface MeasureOptions {
  /** Calls before measuring, so that first-run costs (compilation, caches) are left out. Default 1. */
  warmup?: number;
  /**
   * Measured calls; figures are per call (averaged). Default 1. `measure()` makes this many calls
   * for the allocated figures and as many again for the retained ones.
   */
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

/** Which figures a measurement takes; each kind costs `runs` calls of its own. */
export interface Figures {
  allocated: boolean;
  retained: boolean;
}

const ALL_FIGURES: Figures = { allocated: true, retained: true };

/**
 * The measuring procedure: it yields where `fn` must be called (see drive.ts).
 *
 * What a call allocates and what it retains are taken in separate calls. Retained memory needs a
 * full GC before and after a call; but a full GC also clears the maps (hidden classes) of objects
 * that are all garbage by then, and V8 throws away the optimised code built on them, so each call
 * after one re-learns its types. In Jest's vm contexts a function building 20,000 class instances
 * read 560 KiB in most processes and 640-740 KiB in others, call after call, from full GCs alone;
 * with a scavenge between calls, 560 KiB in every process from the first measured call.
 */
function* procedure(plan: Plan, figures: Figures): Generator<void, Measurement, void> {
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
    if (figures.allocated) {
      if (plan.sites) {
        // sampling at the sites' interval bounds the allocation buffers too (allocation-buffers.ts)
        startSampling({ samplingInterval: plan.sites.samplingInterval, includeGarbage: true });
        setSamplerOwner('measure');
        sampling = true;
      } else {
        unbound = boundAllocationBuffers();
      }
      for (let i = 0; i < plan.runs; i++) {
        letCompilesFinish();
        forceMinorGc(); // an empty young generation: scavenges fall at the same places in every call
        counter.begin();
        yield;
        const allocated = counter.finish();
        totals.peak = Math.max(totals.peak, counter.peakSoFar());
        totals.heap += allocated.heap;
        totals.external += allocated.external;
        if (!smallest || allocated.heap + allocated.external < smallest.heap + smallest.external) smallest = allocated;
      }
      if (sampling) {
        profile = stopSampling();
        setSamplerOwner(null);
        sampling = false;
      }
    }
    if (figures.retained) {
      unbound ??= boundAllocationBuffers();
      for (let i = 0; i < plan.runs; i++) {
        forceGc();
        counter.begin();
        yield;
        forceGc();
        const retained = counter.growth();
        counter.end();
        if (!kept || retained.heap + retained.external < kept.heap + kept.external) kept = retained;
      }
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
  // a figure not taken (an internal caller asked for the other) is NaN, never a plausible 0
  const perCall = (bytes: number) => (figures.allocated ? Math.round(bytes / runs) : NaN);
  const keptOr = (bytes: number | undefined) => (figures.retained ? (bytes ?? 0) : NaN);
  const least = smallest ?? { heap: NaN, external: NaN };
  const measurement: Measurement = {
    allocated: perCall(totals.heap + totals.external),
    heap: perCall(totals.heap),
    external: perCall(totals.external),
    retained: keptOr(kept ? kept.heap + kept.external : undefined),
    retainedHeap: keptOr(kept?.heap),
    retainedExternal: keptOr(kept?.external),
    peak: figures.allocated ? totals.peak : NaN,
    smallest: { allocated: least.heap + least.external, heap: least.heap, external: least.external },
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
 * measured. Runs `fn` `warmup` times first, then `runs` times for what it allocates (each after a
 * scavenge), then `runs` more times for what it retains (each between two full GCs): warmup + 2 x
 * runs calls in all. Returns a promise when `fn` does, measured until it settles.
 *
 * The first call switches off V8's allocation-site pretenuring and concurrent on-stack replacement
 * for the process, so that a function's figures do not hang on what ran before it or on a background
 * compile, and each measured call waits 5 ms for V8's background compiler (repeatable-allocations.ts);
 * while it measures, the sampling heap profiler runs at 512 B so that the old generation is counted
 * to the allocation (allocation-buffers.ts).
 */
export function measure<R>(fn: () => R, options?: MeasureOptions): MeasureResult<R> {
  return measureFigures(fn, options, ALL_FIGURES);
}

/** `measure()` taking only some of the figures, for the matchers (internal: the others are NaN). */
export function measureFigures<R>(fn: () => R, options: MeasureOptions | undefined, figures: Figures): MeasureResult<R> {
  if (typeof fn !== 'function') throw new TypeError(`measure() expects a function, got ${describe(fn)}`);
  const plan = readMeasureOptions(options);
  makeAllocationsRepeatable();
  if (plan.sites && isSamplerBusy()) {
    throw new Error('cannot record allocation sites while the tracer is tracing (start() was called): stop() it first');
  }
  return drive(fn, procedure(plan, figures)) as MeasureResult<R>;
}
