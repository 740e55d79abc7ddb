import { formatSize, parseSize, describe } from '../../core/units';

/** A change counts when it passes both: the percentage of the baseline and the bytes. */
export interface Tolerance {
  percent: number;
  bytes: number;
}

/**
 * Measured: the smallest of 5 calls is identical to the byte across fresh plain processes, but in
 * Jest it moved by up to 19% between a worker that had just compiled the tests and a warm one (a
 * growing array: 637 KB vs 536 KB; V8's heap layout decides whether a backing store grows in
 * place), and by 8 KiB on a 32 KiB function. 25% and 32 KiB leave room for both and still fail a
 * function that allocates a quarter more, let alone twice as much.
 */
export const DEFAULT_TOLERANCE: Tolerance = { percent: 25, bytes: 32 * 1024 };

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
