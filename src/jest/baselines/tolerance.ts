import { formatSize, parseSize, describe } from '../../core/units';

/** A change counts when it passes both: the percentage of the baseline and the bytes. */
export interface Tolerance {
  percent: number;
  bytes: number;
}

/**
 * The matchers' default. Measured in Jest (13 workloads, 36 readings each over 12 runs of 2
 * workers): the compared figure moved by at most 5.2 KiB for sync code, and by 18 KiB (8.8%) for a
 * function awaiting 100 promises. 15% and 16 KiB leave room for these and fail a function that
 * allocates a sixth more, let alone twice as much. (Before V8's pretenuring, allocation buffers and
 * map clearing were tamed, figures moved by up to 41%: core/repeatable-allocations.ts,
 * core/allocation-buffers.ts, core/measure.ts.)
 */
export const DEFAULT_TOLERANCE: Tolerance = { percent: 15, bytes: 16 * 1024 };

/**
 * baselines.everyTest's default: a test body run once, cold, carries V8's own work of the moment
 * (optimised code for Jest's and the test's functions, a scavenge's accounting), which no warm-up
 * removes. Over 500 generated tests run 12 times, each test's figure moved by up to 126 KiB (p99
 * 96 KiB) with allocation buffers bounded; 256 KiB leaves twice that. Small tests are left to the
 * matchers, which are precise to a few KiB.
 */
export const DEFAULT_WHOLE_TEST_TOLERANCE: Tolerance = { percent: 15, bytes: 256 * 1024 };

export type ToleranceOption = string | number | { percent?: number; bytes?: number | string };

/** `'10%'` (percent), `'64KiB'` or a number (bytes), or `{ percent, bytes }`; the other part keeps its default. */
export function readTolerance(value: unknown, base: Tolerance = DEFAULT_TOLERANCE): Tolerance {
  if (value === undefined) return base;
  if (typeof value === 'string') {
    const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (percent) return { ...base, percent: Number(percent[1]) };
  }
  if (typeof value === 'string' || typeof value === 'number') return { ...base, bytes: parseSize(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const given = value as { percent?: unknown; bytes?: unknown };
    for (const key of Object.keys(given)) if (key !== 'percent' && key !== 'bytes') throw new TypeError(`unknown tolerance key ${JSON.stringify(key)}; use percent and bytes`);
    if (given.percent !== undefined && (typeof given.percent !== 'number' || !Number.isFinite(given.percent) || given.percent < 0)) {
      throw new RangeError(`tolerance.percent must be a number of 0 or more, got ${describe(given.percent)}`);
    }
    return { percent: (given.percent as number | undefined) ?? base.percent, bytes: given.bytes === undefined ? base.bytes : parseSize(given.bytes as string | number) };
  }
  throw new TypeError(`tolerance must be a percentage ('10%'), a size ('64KiB') or { percent, bytes }, got ${describe(value)}`);
}

export const describeTolerance = (t: Tolerance): string => `${t.percent}% and ${formatSize(t.bytes)}`;

/** How `now` stands against `baseline`: a change beyond both parts of the tolerance counts. */
export function judge(baseline: number, now: number, tolerance: Tolerance): 'same' | 'worse' | 'better' {
  const change = now - baseline;
  const beyond = Math.abs(change) > tolerance.bytes && Math.abs(change) > (baseline * tolerance.percent) / 100;
  if (!beyond) return 'same';
  return change > 0 ? 'worse' : 'better';
}
