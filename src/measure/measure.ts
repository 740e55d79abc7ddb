import { AllocationCounter, memoryInUse } from '../v8/allocation-counter';
import { boundAllocationBuffers } from '../v8/allocation-buffers';
import { forceGc, forceMinorGc } from '../v8/force-gc';
import { FrameResolver, isRuntimeFrame, isTracerFrame } from '../tracemalloc/frame-resolver';
import type { Frame } from '../tracemalloc/frame';
import { startSampling, stopSampling, type SamplingProfile } from '../v8/sampling-profile';
import { tracesFromProfile } from '../tracemalloc/profile-traces';
import { acquireSampler, samplerHolder } from '../v8/sampler-lease';
import { Snapshot } from '../tracemalloc/snapshot';
import { Statistic } from '../tracemalloc/statistic';
import { checkCount, checkKnownOptions, describeValue } from '../util/checks';
import { drive, type Deadline } from './drive';
import { letCompilesFinish, makeAllocationsRepeatable } from '../v8/repeatable-allocations';

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
   * Bytes the call left reachable, after full GCs, heap + external, each part never below 0 (a
   * call that frees more than it keeps reads 0): the call with the smallest figure, because what
   * V8 keeps for itself now and then (code it compiled during a call) is not the function's; what a
   * function keeps, it keeps on every call.
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

/**
 * `R` when no part of it is a promise, so that `measure()` and `detectLeak()` take a function
 * returning `R` as synchronous; `never` for a promise or a union with one (`string | Promise<string>`),
 * which their other overloads take. `any` (`JSON.parse`) and `unknown` count as synchronous.
 */
export type NotPromise<R> = R extends PromiseLike<unknown> ? never : R;

interface MeasurePlan {
  warmup: number;
  runs: number;
  sites: Required<Omit<SitesOptions, 'hideFrame'>> & Pick<SitesOptions, 'hideFrame'> | null;
}

/** Bounds that catch a typo (`runs: 1e9`) long before a run would: each run waits 5 ms and collects garbage. */
const MAX_WARMUP = 100_000;
const MAX_RUNS = 1_000;

export function readMeasureOptions(options: MeasureOptions | undefined): MeasurePlan {
  if (options === undefined) return { warmup: 1, runs: 1, sites: null };
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  checkKnownOptions(options, ['warmup', 'runs', 'sites']);
  const warmup = checkCount('warmup', options.warmup ?? 1, 0, MAX_WARMUP);
  const runs = checkCount('runs', options.runs ?? 1, 1, MAX_RUNS);
  const sites = options.sites ?? false;
  if (sites === false) return { warmup, runs, sites: null };
  if (sites === true) return { warmup, runs, sites: { samplingInterval: 1 } };
  if (typeof sites !== 'object' || sites === null) throw new TypeError(`sites must be a boolean or an object, got ${describeValue(sites)}`);
  const samplingInterval = checkCount('sites.samplingInterval', sites.samplingInterval ?? 1, 1);
  if (sites.hideFrame !== undefined && typeof sites.hideFrame !== 'function') {
    throw new TypeError(`sites.hideFrame must be a function, got ${describeValue(sites.hideFrame)}`);
  }
  return { warmup, runs, sites: { samplingInterval, hideFrame: sites.hideFrame } };
}

/**
 * Full GCs until the heap stops shrinking (at most 4): one GC leaves some of what is already garbage
 * (code V8 compiled, objects only weakly held) to the next, which a call measured between single
 * GCs would be charged with.
 */
function settle(): void {
  let last = Infinity;
  for (let i = 0; i < 4; i++) {
    forceGc();
    const { heap, external } = memoryInUse();
    if (heap + external >= last - 1024) return;
    last = heap + external;
  }
}

/** Which figures a measurement takes; each kind costs `runs` calls of its own. */
export interface FiguresToTake {
  allocated: boolean;
  retained: boolean;
}

const ALL_FIGURES: FiguresToTake = { allocated: true, retained: true };

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
function* procedure(plan: MeasurePlan, figures: FiguresToTake): Generator<void, Measurement, void> {
  for (let i = 0; i < plan.warmup; i++) yield;
  const totals = { heap: 0, external: 0, peak: 0 };
  let kept: { heap: number; external: number } | null = null;
  let smallest: { heap: number; external: number } | null = null;
  const counter = new AllocationCounter();
  const resolver = plan.sites ? new FrameResolver() : null;
  /** Stops the sites' sampling and gives the profiler back. */
  let stopSites: (() => SamplingProfile) | null = null;
  let profile: SamplingProfile | null = null;
  let unbound: (() => void) | null = null;
  try {
    if (figures.allocated) {
      if (plan.sites) {
        // sampling at the sites' interval bounds the allocation buffers too (allocation-buffers.ts)
        const release = acquireSampler('measure()');
        try {
          startSampling({ samplingInterval: plan.sites.samplingInterval, includeGarbage: true });
        } catch (error) {
          release();
          throw error;
        }
        stopSites = () => {
          try {
            return stopSampling();
          } finally {
            release();
          }
        };
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
      if (stopSites) {
        const stop = stopSites;
        stopSites = null; // stopped once, even if stopping throws
        profile = stop();
      }
    }
    if (figures.retained) {
      unbound ??= boundAllocationBuffers();
      for (let i = 0; i < plan.runs; i++) {
        settle();
        counter.begin();
        yield;
        settle();
        // What the call left reachable, never below 0: on Node 20 V8 frees some of its own older
        // memory meanwhile (code metadata of the old generation), and YAML.parse, which keeps
        // nothing, read -22 to -88 KiB (-4 to +3 KiB on Node 26).
        const growth = counter.growth();
        const retained = { heap: Math.max(0, growth.heap), external: Math.max(0, growth.external) };
        counter.end();
        if (!kept || retained.heap + retained.external < kept.heap + kept.external) kept = retained;
      }
    }
  } finally {
    counter.end();
    unbound?.();
    if (stopSites) profile = stopSites();
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
 * The first call switches off, for the process, V8's allocation-site pretenuring, Maglev, and
 * concurrent on-stack replacement, recompilation and Sparkplug, so that a function's figures do not
 * hang on what ran before it or on a background compile, and each measured call waits 5 ms for
 * V8's background compiler (repeatable-allocations.ts);
 * while it measures, the sampling heap profiler runs at 512 B so that the old generation is counted
 * to the allocation (allocation-buffers.ts).
 */
export function measure<R>(fn: () => NotPromise<R>, options?: MeasureOptions): Measurement;
/** `measure()` of a function that returns a promise: a promise of the measurement (each call awaited until it settles). */
export function measure(fn: () => PromiseLike<unknown>, options?: MeasureOptions): Promise<Measurement>;
/** `measure()` of a function that may return a promise (`() => T | Promise<T>`): a measurement, or a promise of one. */
export function measure(fn: () => unknown, options?: MeasureOptions): Measurement | Promise<Measurement>;
export function measure<R>(fn: () => R, options?: MeasureOptions): MeasureResult<R> {
  return measureFigures(fn, options, ALL_FIGURES);
}

/**
 * `measure()` taking only some of the figures, for the matchers (internal: the others are NaN),
 * stopping with a TimeLimitError once past `deadline`.
 */
export function measureFigures<R>(fn: () => R, options: MeasureOptions | undefined, figures: FiguresToTake, deadline?: Deadline): MeasureResult<R> {
  if (typeof fn !== 'function') throw new TypeError(`measure() expects a function, got ${describeValue(fn)}`);
  const plan = readMeasureOptions(options);
  makeAllocationsRepeatable();
  if (plan.sites && samplerHolder() === 'the tracer') {
    throw new Error('cannot record allocation sites while the tracer is tracing (start() was called): stop() it first');
  }
  return drive(fn, procedure(plan, figures), deadline) as MeasureResult<R>;
}
