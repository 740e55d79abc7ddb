// The project's one size parser and one size formatter.
// Limits accept IEC units (KiB = 1024) and SI units (kB = 1000), as pretty-bytes prints them.

import { describeValue } from './checks';

// pretty-bytes is ESM-only; the build bundles it as CommonJS (scripts/bundle-vendor.mjs). Loaded
// on first use: the matchers' setup file loads this module in every test file.
let prettyBytesFn: ((n: number, o?: object) => string) | undefined;
function prettyBytes(n: number, options: object): string {
  prettyBytesFn ??= require('../../vendor/pretty-bytes.cjs').default as (n: number, o?: object) => string;
  return prettyBytesFn(n, options);
}

const UNIT_FACTORS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i;

/** A size given as a byte count or a string such as `'1MiB'`, `'512 KiB'`, `'1.5MB'`, `'100kB'`. */
export type Size = number | string;

/**
 * Parses a size into bytes. IEC units (KiB, MiB, GiB, TiB) are 1024-based, SI units (kB, MB, GB,
 * TB) 1000-based; units are case-insensitive and a bare number means bytes.
 * @throws TypeError for anything that is not a number or a string, RangeError for negative, NaN or
 *   infinite sizes and for unknown units.
 */
export function parseSize(size: Size): number {
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size < 0) {
      throw new RangeError(`Expected a size of 0 bytes or more, got ${String(size)}`);
    }
    return size;
  }
  if (typeof size !== 'string') {
    throw new TypeError(`Expected a size as a number of bytes or a string like '1MiB', got ${describeValue(size)}`);
  }
  const match = SIZE_PATTERN.exec(size);
  if (!match) {
    throw new RangeError(`Cannot read ${JSON.stringify(size)} as a size: expected a number and a unit, like '1MiB', '512 KiB' or '100kB'`);
  }
  const [, amount = '', unit = ''] = match;
  const factor = UNIT_FACTORS[unit === '' ? 'b' : unit.toLowerCase()];
  if (factor === undefined) {
    throw new RangeError(
      `Unknown unit ${JSON.stringify(unit)} in ${JSON.stringify(size)}: use B, kB, MB, GB, TB (1000-based) or KiB, MiB, GiB, TiB (1024-based)`,
    );
  }
  return Math.round(Number(amount) * factor);
}

/** Formats bytes in binary units (`583 KiB`); `signed` prefixes `+`/`-` as tracemalloc's diffs do. */
export function formatSize(bytes: number, signed = false): string {
  const rounded = Math.round(bytes);
  if (signed && rounded === 0) return '+0 B';
  return prettyBytes(rounded, { binary: true, signed });
}
