import { memoryInUse } from '../v8/allocation-counter';
import { setFlagsFromString } from 'node:v8';
import { drive, type Caller, type Deadline, type Procedure } from './drive';
import { forceGc } from '../v8/force-gc';
import { attributeTracerAllocations, FrameResolver, isRuntimeFrame, isTracerFrame, type CallFrame } from '../tracemalloc/frame-resolver';
import { HeapGrowthProbe, type GrowthHolder, type HeapGrowth } from './heap-growth';
import { HeapSnapshot, startAllocationTracking, stopAllocationTracking } from '../v8/heap-snapshot';
import type { NotPromise } from './measure';
import { makeAllocationsRepeatable } from '../v8/repeatable-allocations';
import { samplerHolder } from '../v8/sampler-lease';
import { Snapshot } from '../tracemalloc/snapshot';
import type { Statistic } from '../tracemalloc/statistic';
import { Trace } from '../tracemalloc/trace';
import { Traceback } from '../tracemalloc/traceback';
import { checkCount, checkKnownOptions, describeValue } from '../util/checks';

export interface LeakOptions {
  /** Calls before the first reading, so that caches and lazy initialisation settle. Default 10. */
  warmup?: number;
  /**
   * Calls in the first watched round; each round after it makes twice as many. Default 16, fewer
   * for a function so slow that three rounds of 16 would not fit in half the time budget.
   */
  iterations?: number;
  /** Most rounds watched (at least 3 are). Default 12: up to 65,520 calls. */
  rounds?: number;
  /** Smallest growth per call, in bytes, that counts as a leak. Default 4. */
  threshold?: number;
  /** Milliseconds the watched rounds may take: no round starts that would end after it. Default 2000. */
  timeBudget?: number;
}

/** What a heap snapshot comparison over one more round found. */
export interface LeakConfirmation {
  /** Calls between the two snapshots. */
  calls: number;
  /** Net bytes of the program's own objects grown over them. */
  bytes: number;
  perCall: number;
  /**
   * Net bytes grown meanwhile that are not the program's (V8's compiled code and feedback, weak
   * tables, some of the comparison's own work): no leak.
   */
  v8Bytes: number;
  /** The long-lived objects whose reachable memory grew, biggest first. */
  holders: GrowthHolder[];
  /** Where the new objects of the growth were allocated, biggest first (empty while the tracer runs). */
  sites: Statistic[];
  /** Why `sites` is empty when it is (the heap too big for a third snapshot, the tracer running). */
  sitesSkipped?: string;
}

export interface LeakReport {
  /**
   * Memory in use, after full GCs, grew by at least `threshold` bytes per call (and 4 KiB) over the
   * last two watched rounds, two of the last three by at least half that rate each, and a heap snapshot
   * comparison over one more round, at least as many calls as all before it, shows the program's own objects
   * grew by at least half that rate (and 16 KiB). When no comparison could be made (`unconfirmed`
   * says why), the rounds' verdict stands alone.
   */
  leaking: boolean;
  /** Heap + external growth of each watched round, after full GCs. */
  growths: number[];
  /** Calls in each watched round. */
  calls: number[];
  /** Growth per call over the last two watched rounds. */
  perCall: number;
  /** The snapshot comparison, made when the rounds grew; null when they did not. */
  confirmation: LeakConfirmation | null;
  /** The rounds grew, but at under a quarter of the rate of the rounds before (judgeRounds): a warm-up, no leak. */
  fading?: boolean;
  /** Why there is no confirmation although the rounds grew (a heap too big to snapshot, ...). */
  unconfirmed?: string;
  warmup: number;
  /** Calls in the first round (fewer than asked for a slow function, see LeakOptions.iterations). */
  iterations: number;
  rounds: number;
  threshold: number;
  timeBudget: number;
}

export type LeakPlan = Required<LeakOptions> & { iterationsGiven: boolean };

const LEAK_OPTIONS = ['warmup', 'iterations', 'rounds', 'threshold', 'timeBudget'];
/** The least growth over the last two rounds that counts: above V8's own noise after full GCs (up to ~1.5 KiB). */
const NOISE = 4096;
/**
 * The least growth of the program's objects that confirms a leak: above one-off growth that a
 * snapshot comparison sees as the program's (Node's Buffer pool taking a new 8 KiB slab: csv-parse
 * read +8.3 KiB over 2,042 calls).
 */
const CONFIRM_NOISE = 16 * 1024;
const MIN_ROUNDS = 3;
/** Growth over the last two rounds so far above the noise that more rounds would tell nothing. */
const CLEAR_GROWTH = 256 * 1024;
/** Heaps above this are not snapshotted: the snapshot's JSON could pass V8's longest string. */
const SNAPSHOT_HEAP_LIMIT = 256 * 1024 * 1024;
/**
 * Heaps above this get no sites round: a ts-jest worker's heap (90 MiB, 830,000 objects with
 * TypeScript loaded) took 3.1 s to snapshot on Node 26 and 5.4 s on Node 20.
 */
const SITES_HEAP_LIMIT = 64 * 1024 * 1024;

export function readLeakOptions(options: LeakOptions | undefined): LeakPlan {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  checkKnownOptions(options, LEAK_OPTIONS);
  const threshold = options.threshold ?? 4;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a number of bytes of 0 or more, got ${describeValue(threshold)}`);
  }
  return {
    warmup: checkCount('warmup', options.warmup ?? 10, 0, 100_000),
    iterations: checkCount('iterations', options.iterations ?? 16, 1, 1_000_000),
    iterationsGiven: options.iterations !== undefined,
    rounds: checkCount('rounds', options.rounds ?? 12, MIN_ROUNDS, 24),
    threshold,
    timeBudget: checkCount('timeBudget', options.timeBudget ?? 2000, 1, 3_600_000),
  };
}

function inUse(): number {
  // Two GCs: some of what one full GC leaves (code V8 compiled, objects only weakly held) goes at
  // the next; read after one, a round showed +180 KiB and the next -180 KiB.
  forceGc();
  forceGc();
  const { heap, external } = memoryInUse();
  return heap + external;
}

interface Confirmed {
  confirmation: LeakConfirmation | null;
  unconfirmed?: string;
}

const unconfirmed = (why: string): Confirmed => ({ confirmation: null, unconfirmed: why });

/** One more round of `calls` between two heap snapshots: is the growth the program's, and whose? */
function* confirm(calls: number): Procedure<Confirmed> {
  const heap = memoryInUse().heap;
  if (heap > SNAPSHOT_HEAP_LIMIT) return unconfirmed(`the heap (${Math.round(heap / 2 ** 20)} MiB) is too big for a snapshot comparison`);
  let probe: HeapGrowthProbe;
  try {
    probe = new HeapGrowthProbe();
  } catch (error) {
    return unconfirmed(`a heap snapshot failed: ${(error as Error).message}`);
  }
  let called = false;
  try {
    for (let i = 0; i < calls; i++) yield;
    called = true;
  } finally {
    if (!called) probe.release(); // a call threw, or the procedure was stopped
  }
  let growth: HeapGrowth;
  try {
    growth = probe.growth();
  } catch (error) {
    return unconfirmed(`a heap snapshot failed: ${(error as Error).message}`);
  }
  const { bytes, v8Bytes, holders } = growth;
  return { confirmation: { calls, bytes, perCall: bytes / calls, v8Bytes, holders, sites: [] } };
}

/**
 * Where a confirmed leak was allocated: one more round with V8's allocation tracker on, long enough
 * for about 256 KiB to stay (at most as many calls as all before it, and the time budget), then a
 * heap snapshot, where every object still alive that the round allocated carries its allocating
 * stack. (The sampling heap profiler's live samples cannot say it: of 2,700 samples of objects kept
 * alive, 5 were left, Node 20 and 26.) The tracker names a frame's function only, and TurboFan
 * inlines `fn` into the driver's frame (every site read drive.ts), so the calls go through a frame
 * of their own, fresh and never optimised while the round runs.
 */
function* findSites(perCall: number, most: number, timeBudget: number): Procedure<Statistic[] | string> {
  const holder = samplerHolder();
  if (holder) return `${holder} is running`; // the tracer may be tracking objects itself
  forceGc(); // the comparison's garbage (two parsed snapshots) is not the heap to snapshot
  const heap = memoryInUse().heap;
  if (heap > SITES_HEAP_LIMIT) return `the heap (${Math.round(heap / 2 ** 20)} MiB) is above ${SITES_HEAP_LIMIT / 2 ** 20} MiB`; // a third snapshot would cost seconds
  const calls = Math.max(1, Math.min(most, Math.ceil((256 * 1024) / Math.max(perCall, 1))));
  const caller = new Function('fn', 'return fn()') as Caller;
  let snapshot: HeapSnapshot | null = null;
  setFlagsFromString('--no-turbofan');
  try {
    startAllocationTracking();
    const started = performance.now();
    for (let i = 0; i < calls && performance.now() - started < timeBudget; i++) yield caller;
    snapshot = takeQuietly();
  } finally {
    stopAllocationTracking();
    setFlagsFromString('--turbofan');
  }
  if (!snapshot) return []; // sites are a help, not the verdict
  const resolver = new FrameResolver();
  const perTrace = [...snapshot.tracedObjects()];
  const stacks = perTrace.map(([trace]) => (snapshot as HeapSnapshot).stackOf(trace));
  resolver.sourceMaps.prepare(stacks.flat());
  const traces: Trace[] = [];
  perTrace.forEach(([, { bytes, count }], i) => {
    const frames = attributeTracerAllocations((stacks[i] as CallFrame[]).map((cf) => resolver.resolve(cf)));
    const last = frames[frames.length - 1];
    if (!last || isTracerFrame(last)) return; // the tracer's own work (the snapshot, its timer)
    const kept = frames.filter((frame) => !isRuntimeFrame(frame) && !isTracerFrame(frame));
    if (kept.length > 0) traces.push(new Trace('heap', bytes, new Traceback(kept.slice(-1), kept.length), count));
  });
  return new Snapshot(traces, 1, 1).statistics('lineno').slice(0, 5);
}

function takeQuietly(): HeapSnapshot | null {
  try {
    forceGc();
    return HeapSnapshot.take();
  } catch {
    return null;
  }
}

/** Calls in the first round: for a slow function, few enough that three rounds fit in half the budget. */
function firstRound(plan: LeakPlan, msPerCall: number): number {
  if (plan.iterationsGiven || msPerCall <= 0) return plan.iterations;
  return Math.max(1, Math.min(plan.iterations, Math.floor(plan.timeBudget / 2 / (7 * msPerCall))));
}

export type RoundsVerdict = 'steady' | 'fading' | 'growing';

/**
 * What the watched rounds say, before any snapshot: growing when the last two rounds grew by at
 * least `threshold` bytes per call together (and NOISE), and two of the last three rounds each by at
 * least half of it; fading when the rate fell under a quarter of the rounds' before (below).
 *
 * Round by round: a leak's memory grows in every round that doubles the calls (a Set's or a Map's
 * table doubles, an array's store grows 1.5x, at least once in each such round; over 13 leaks of the
 * corpus on four Node lines, 325 verdicts, the slower of the last two rounds grew at 0.09-1x the
 * pair's rate, never under 5.5 B per call), while one-off growth of the process lands in one round
 * only (a ts-jest worker read +13 KiB in one round after 0 B in the round before, once in 12). Two of
 * three, not both of two: V8 can hand back in one round what it took in the round before (an async
 * leak of 44 B per call read +237 KiB, -103 KiB, +176 KiB in a loaded worker).
 *
 * Fading: a leak's rate per call holds, within the 2x that stepwise containers give two rounds, so a
 * rate under a quarter of the rounds before is a warm-up (a library's feedback and compiled code),
 * when both views agree: the last two rounds against the two before, and the last three against the
 * three before (the hand-back above made the first view read a leak as fading).
 */
export function judgeRounds(growths: readonly number[], calls: readonly number[], threshold: number): { verdict: RoundsVerdict; perCall: number } {
  const k = growths.length;
  const at = (values: readonly number[], i: number): number => values[k - i] as number;
  /** Growth per call of the rounds `newest` back to `oldest` back (1 is the last round). */
  const rate = (newest: number, oldest: number): number => {
    let bytes = 0;
    let made = 0;
    for (let i = newest; i <= Math.min(oldest, k); i++) {
      bytes += at(growths, i);
      made += at(calls, i);
    }
    return bytes / made;
  };
  const perCall = rate(1, 2);
  const grew = (i: number): boolean => k >= i && at(growths, i) >= (threshold / 2) * at(calls, i);
  const roundsThatGrew = [1, 2, 3].filter(grew).length;
  if (at(growths, 1) + at(growths, 2) < NOISE || perCall < threshold || roundsThatGrew < 2) return { verdict: 'steady', perCall };
  if (k >= 4 && perCall < rate(3, 4) / 4 && rate(1, 3) < rate(4, 6) / 4) return { verdict: 'fading', perCall };
  return { verdict: 'growing', perCall };
}

function* watch(plan: LeakPlan): Procedure<LeakReport> {
  const warmupStart = performance.now();
  for (let i = 0; i < plan.warmup; i++) yield;
  const iterations = firstRound(plan, plan.warmup > 0 ? (performance.now() - warmupStart) / plan.warmup : 0);
  const started = performance.now();
  const growths: number[] = [];
  const calls: number[] = [];
  let before = inUse();
  for (let round = 0; round < plan.rounds; round++) {
    const roundStart = performance.now();
    const n = iterations * 2 ** round;
    for (let i = 0; i < n; i++) yield;
    const readStart = performance.now();
    const after = inUse();
    growths.push(after - before);
    calls.push(n);
    before = after;
    const now = performance.now();
    if (round + 1 < MIN_ROUNDS) continue;
    // The next round makes twice the calls and reads memory once more: start it only if it can end
    // within the budget. (In a ts-jest worker the reading's full GCs take 100-250 ms, most of a round.)
    if (now - started + 2 * (readStart - roundStart) + (now - readStart) > plan.timeBudget) break;
    // growth far above the noise needs no more rounds (and a big leak is not left to fill the heap)
    const recent = (growths[round] as number) + (growths[round - 1] as number);
    if (recent >= CLEAR_GROWTH && recent / (n + n / 2) >= plan.threshold) break;
  }
  const { warmup, rounds, threshold, timeBudget } = plan;
  const { verdict, perCall } = judgeRounds(growths, calls, threshold);
  const report: LeakReport = { leaking: false, growths, calls, perCall, confirmation: null, warmup, iterations, rounds, threshold, timeBudget };
  if (verdict === 'steady') return report;
  if (verdict === 'fading') return { ...report, fading: true };
  // Memory grew; is it the program's? As many calls again as all so far: every container that
  // doubles (Set, Map) or grows 1.5x (arrays) reallocates at least once in them; and enough calls
  // for the rate seen to grow twice the least growth that confirms (a worker whose full GCs left time
  // for 5 rounds confirmed a Set's 20 B per call over 506 calls: 10 KiB, no leak).
  const callsSoFar = plan.warmup + calls.reduce((sum, n) => sum + n, 0);
  const confirmCalls = Math.max(callsSoFar, Math.min(8 * callsSoFar, Math.ceil((2 * CONFIRM_NOISE) / perCall)));
  const { confirmation, unconfirmed: why } = yield* confirm(confirmCalls);
  if (!confirmation) return { ...report, leaking: true, unconfirmed: why };
  // half the rate: a container growing 1.5x at a time may grow half as fast as its entries in one doubling
  const leaking = confirmation.bytes >= CONFIRM_NOISE && confirmation.perCall >= plan.threshold / 2;
  if (leaking) {
    const sites = yield* findSites(confirmation.perCall, callsSoFar, plan.timeBudget);
    if (typeof sites === 'string') confirmation.sitesSkipped = sites;
    else confirmation.sites = sites;
  }
  return { ...report, leaking, confirmation };
}

/**
 * Whether memory keeps growing across repeated calls of `fn`. After `warmup` calls, rounds of calls
 * that double in size (16, 32, 64, ... up to the time budget) are each followed by two full GCs and
 * a reading of memory in use. When the last two rounds grew by at least `threshold` bytes per call,
 * one more round, at least as many calls as all before it, runs between two heap snapshots, and the leak is
 * confirmed if the program's own objects grew by at least half that rate; the report then names the
 * objects that hold the growth and where it was allocated. Growth that fades (caches that fill once,
 * a library's JIT warm-up) or that is V8's own (compiled code, feedback, weak tables) is no leak.
 */
export function detectLeak<R>(fn: () => NotPromise<R>, options?: LeakOptions): LeakReport;
/** `detectLeak()` of a function that returns a promise: a promise of the report (each call awaited until it settles). */
export function detectLeak(fn: () => PromiseLike<unknown>, options?: LeakOptions): Promise<LeakReport>;
/** `detectLeak()` of a function that may return a promise (`() => T | Promise<T>`): a report, or a promise of one. */
export function detectLeak(fn: () => unknown, options?: LeakOptions): LeakReport | Promise<LeakReport>;
export function detectLeak<R>(fn: () => R, options?: LeakOptions): R extends PromiseLike<unknown> ? Promise<LeakReport> : LeakReport {
  return detectLeakWithin(fn, options, undefined) as R extends PromiseLike<unknown> ? Promise<LeakReport> : LeakReport;
}

/** detectLeak() for the matchers: stops with a TimeLimitError once past `deadline`. */
export function detectLeakWithin(fn: () => unknown, options: LeakOptions | undefined, deadline: Deadline | undefined): LeakReport | Promise<LeakReport> {
  if (typeof fn !== 'function') throw new TypeError(`detectLeak() expects a function, got ${describeValue(fn)}`);
  const plan = readLeakOptions(options);
  makeAllocationsRepeatable();
  return drive(fn, watch(plan), deadline);
}
