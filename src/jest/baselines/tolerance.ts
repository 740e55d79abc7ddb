import { formatSize, parseSize } from '../../util/sizes';
import { checkKnownOptions, describeValue } from '../../util/checks';

/** A change counts when it passes both: the percentage of the baseline and the bytes. */
export interface Tolerance {
  percent: number;
  bytes: number;
}

/** The matchers' default: room for the spread measured in Jest workers (README, "Tolerance"), and a sixth more fails. */
export const DEFAULT_TOLERANCE: Tolerance = { percent: 15, bytes: 16 * 1024 };

/** baselines.everyTest's default: a body run once carries V8's own work of the moment, which no warm-up removes; 256 KiB is twice the spread measured (README). */
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
    checkKnownOptions(given, ['percent', 'bytes'], 'tolerance');
    if (given.percent !== undefined && (typeof given.percent !== 'number' || !Number.isFinite(given.percent) || given.percent < 0)) {
      throw new RangeError(`tolerance.percent must be a number of 0 or more, got ${describeValue(given.percent)}`);
    }
    return { percent: (given.percent as number | undefined) ?? base.percent, bytes: given.bytes === undefined ? base.bytes : parseSize(given.bytes as string | number) };
  }
  throw new TypeError(`tolerance must be a percentage ('10%'), a size ('64KiB') or { percent, bytes }, got ${describeValue(value)}`);
}

export const describeTolerance = (t: Tolerance): string => `${t.percent}% and ${formatSize(t.bytes)}`;

export type Verdict = 'same' | 'worse' | 'better';

/**
 * How `now` stands against `baseline`: a change beyond both parts of the tolerance counts. The
 * percent is of the baseline's size, so a baseline of 0 (or, from older files, a negative retained
 * figure) is judged by the bytes alone.
 */
export function judge(baseline: number, now: number, tolerance: Tolerance): Verdict {
  const change = now - baseline;
  const beyond = Math.abs(change) > tolerance.bytes && Math.abs(change) > (Math.abs(baseline) * tolerance.percent) / 100;
  if (!beyond) return 'same';
  return change > 0 ? 'worse' : 'better';
}
