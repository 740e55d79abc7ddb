import { formatSize } from '../util/sizes';
import type { Traceback } from './traceback';

function average(size: number, count: number): string {
  return count ? `, average=${formatSize(size / count)}` : '';
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}

/** Memory allocated at one traceback (or file, or line), as `Snapshot.statistics()` groups it. */
export class Statistic {
  constructor(
    readonly traceback: Traceback,
    /** Bytes. */
    readonly size: number,
    /** Number of allocations (rounded when estimated from samples). */
    readonly count: number,
  ) {}

  /** tracemalloc's line: `src/parse.ts:42: size=583 KiB, count=14994, average=40 B`. */
  toString(): string {
    return `${this.traceback.toString()}: ${this.figures()}`;
  }

  /** The line's figures without the place: `size=583 KiB, count=14994, average=40 B`. */
  figures(): string {
    return `size=${formatSize(this.size)}, count=${this.count}${average(this.size, this.count)}`;
  }
}

/** The difference for one key between two snapshots, as `Snapshot.compareTo()` gives it. */
export class StatisticDiff {
  constructor(
    readonly traceback: Traceback,
    readonly size: number,
    readonly sizeDiff: number,
    readonly count: number,
    readonly countDiff: number,
  ) {}

  /** `file:line: size=645 KiB (+645 KiB), count=14998 (+14998), average=44 B`. */
  toString(): string {
    return (
      `${this.traceback.toString()}: size=${formatSize(this.size)} (${formatSize(this.sizeDiff, true)}), ` +
      `count=${this.count} (${signed(this.countDiff)})${average(this.size, this.count)}`
    );
  }
}
