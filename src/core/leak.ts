import { forceGc } from './force-gc';
import { memoryInUse } from './allocation-counter';
import { drive, type Procedure } from './drive';
import { makeAllocationsRepeatable } from './repeatable-allocations';
import { checkCount, describe } from './units';

export interface LeakOptions {
  /** Rounds run before watching, so that caches and lazy initialisation settle. Default 3. */
  warmup?: number;
  /** Rounds watched. Default 6. */
  rounds?: number;
  /** Calls per round. Default 50: enough growth per round to stand above V8's own noise. */
  iterations?: number;
  /** Smallest average growth per call, in bytes, that counts as a leak. Default 16. */
  threshold?: number;
}

export interface LeakReport {
  /**
   * Memory grew in all watched rounds but at most a third of them (two of the default six), and
   * the median round grew by at least
   * `threshold` bytes per call. Two rounds may shrink: V8 now and then keeps compiled code through
   * full GCs and frees it later (a round read +180 KiB and the next -180 KiB), and the first round
   * may free what the code before the matcher left (-17 to -132 KiB measured in Jest).
   */
  leaking: boolean;
  /** Heap + external growth of each watched round, after a full GC. */
  growths: number[];
  /** Average growth per call over the watched rounds. */
  perCall: number;
  rounds: number;
  iterations: number;
  warmup: number;
  threshold: number;
}

export function readLeakOptions(options: LeakOptions | undefined): Required<LeakOptions> {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['warmup', 'rounds', 'iterations', 'threshold'].includes(key)) {
      throw new TypeError(`unknown option ${JSON.stringify(key)}; known options are warmup, rounds, iterations, threshold`);
    }
  }
  const threshold = options.threshold ?? 16;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a number of bytes of 0 or more, got ${describe(threshold)}`);
  }
  return {
    warmup: checkCount('warmup', options.warmup ?? 3, 0),
    rounds: checkCount('rounds', options.rounds ?? 6, 3),
    iterations: checkCount('iterations', options.iterations ?? 50, 1),
    threshold,
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

function* watch(plan: Required<LeakOptions>): Procedure<LeakReport> {
  for (let i = 0; i < plan.warmup * plan.iterations; i++) yield;
  const growths: number[] = [];
  let before = inUse();
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < plan.iterations; i++) yield;
    const after = inUse();
    growths.push(after - before);
    before = after;
  }
  const perCall = growths.reduce((sum, g) => sum + g, 0) / (plan.rounds * plan.iterations);
  const sorted = [...growths].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? (sorted[Math.floor(middle)] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const grew = growths.filter((g) => g > 0).length;
  const mayShrink = Math.max(1, Math.floor(plan.rounds / 3)); // 2 of the default 6
  return { leaking: grew >= plan.rounds - mayShrink && median / plan.iterations >= plan.threshold, growths, perCall, ...plan };
}

/**
 * Whether memory keeps growing across repeated calls of `fn`, as `leakage` and pytest-memray's
 * limit_leaks reason: after warm-up rounds (caches, lazy initialisation, JIT), nearly every watched
 * round of calls must leave more reachable memory behind, the median round at least `threshold`
 * bytes per call. A one-off cache grows once and is not a leak; a list that gains an entry on every
 * call is.
 */
export function detectLeak<R>(fn: () => R, options?: LeakOptions): R extends PromiseLike<unknown> ? Promise<LeakReport> : LeakReport {
  if (typeof fn !== 'function') throw new TypeError(`detectLeak() expects a function, got ${describe(fn)}`);
  const plan = readLeakOptions(options);
  makeAllocationsRepeatable();
  return drive(fn, watch(plan)) as R extends PromiseLike<unknown> ? Promise<LeakReport> : LeakReport;
}
