import type { Traceback } from './traceback';

/** Where memory lives: `'heap'` is V8's garbage-collected heap, `'external'` ArrayBuffer/Buffer backing stores. */
export type Domain = 'heap' | 'external';

export const DOMAINS: readonly Domain[] = ['heap', 'external'];

/**
 * Allocations of one site. Identical allocations (same traceback, same object size) are merged into
 * one trace with a `count`. With a sampling interval above 1, `size` is an estimate and `count`
 * the number of samples, each standing for about one interval of bytes.
 */
export class Trace {
  constructor(
    readonly domain: Domain,
    /** Bytes. */
    readonly size: number,
    readonly traceback: Traceback,
    /** Number of allocations (at interval 1) or of samples (above it). */
    readonly count: number = 1,
  ) {}

  toString(): string {
    return `${this.traceback.toString()}: ${this.size} B in ${this.count} (${this.domain})`;
  }
}
