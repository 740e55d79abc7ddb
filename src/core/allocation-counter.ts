import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { forceGc, makeExternalAccountingExact } from './force-gc';

/** Heap and external bytes. */
export interface MemoryParts {
  heap: number;
  external: number;
}

interface GCMoment {
  heapStatistics: { externalMemory: number };
  heapSpaceStatistics: { spaceUsedSize: number }[];
}
interface GCEntry {
  gcType: string;
  beforeGC: GCMoment;
  afterGC: GCMoment;
}
interface GCProfile {
  statistics: GCEntry[];
}

const entriesOf = (profile: unknown): GCEntry[] => (profile as GCProfile | undefined)?.statistics ?? [];
const sameGc = (a: GCEntry, b: GCEntry): boolean =>
  a.gcType === b.gcType && heapAt(a.beforeGC) === heapAt(b.beforeGC) && heapAt(a.afterGC) === heapAt(b.afterGC);

/** How many of `later`'s first GCs are `earlier`'s last ones: GCs that two profilers both saw. */
function overlap(earlier: GCEntry[], later: GCEntry[]): number {
  for (let k = Math.min(earlier.length, later.length); k > 0; k--) {
    if (later.slice(0, k).every((entry, i) => sameGc(entry, earlier[earlier.length - k + i] as GCEntry))) return k;
  }
  return 0;
}

/** Attempts at a start reading with no GC around it, before taking one regardless. */
const START_ATTEMPTS = 5;

let countingCost: number | undefined;

/**
 * Bytes a counter allocates inside its own interval: what the start reading allocates after it has
 * read (the objects it returns), the probe's result, the end's profilers. The same in every interval
 * (about 3.7 KiB on Node 20), so it is measured on empty intervals and taken off every figure.
 */
function costOfCounting(): number {
  if (countingCost === undefined) {
    countingCost = 0; // nothing is taken off while it is measured
    const costs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const counter = new AllocationCounter();
      counter.begin();
      costs.push(counter.finish().heap);
    }
    countingCost = Math.max(0, Math.min(...costs));
  }
  return countingCost;
}

/** Heap in use as memoryInUse() counts it, at one side of a GC. */
function heapAt(moment: GCMoment): number {
  let heap = 0;
  for (const space of moment.heapSpaceStatistics) heap += space.spaceUsedSize;
  return heap;
}

export function memoryInUse(): MemoryParts {
  // used_heap_size lags right after a GC (it moved by 20-230 KB between two reads with nothing
  // allocated, Node 20), while the per-space figures are settled; their sum is the same quantity.
  let heap = 0;
  for (const space of getHeapSpaceStatistics()) heap += space.space_used_size;
  return { heap, external: getHeapStatistics().external_memory };
}

/**
 * Exact allocation totals from V8's GC accounting, at no cost to the code measured: what was
 * allocated over an interval is the growth in use plus whatever every GC in between freed.
 * Also tracks the high-water mark, which V8 reaches just before a GC or at the end.
 *
 * Reading memory allocates (Node builds an object per heap space), and that can start a scavenge
 * on either side of the moment read, while the GC profiler runs: counted, such a GC added a whole
 * young generation to a figure (1-13 MB, about 1 window in 1000). So each reading is bracketed by a
 * second profiler, the probe: a start reading with a GC around it is taken again; at the end, a GC
 * both profilers saw came after the reading began, and the interval ends where that GC left the heap.
 */
export class AllocationCounter {
  private profiler = new GCProfiler();
  private start: MemoryParts = { heap: 0, external: 0 };
  private freed: MemoryParts = { heap: 0, external: 0 };
  private highest = 0;
  private running = false;
  /** GCs already folded that the current profiler saw too (its start overlapped the last stop). */
  private folded: GCEntry[] = [];

  begin(): void {
    makeExternalAccountingExact();
    costOfCounting();
    this.freed = { heap: 0, external: 0 };
    this.folded = [];
    for (let attempt = 1; ; attempt++) {
      const probe = new GCProfiler();
      const profiler = new GCProfiler();
      probe.start();
      profiler.start();
      const start = memoryInUse();
      const around = entriesOf(probe.stop());
      if (around.length === 0 || attempt === START_ATTEMPTS) {
        this.profiler = profiler;
        this.start = start;
        break;
      }
      profiler.stop(); // which side of that GC the reading fell is unknown: read again
    }
    this.running = true;
    this.highest = this.start.heap + this.start.external;
  }

  /**
   * Reads memory in use and folds the GCs seen so far into the totals; with `goOn` the interval
   * goes on (a new profiler, started before the old one stops, so that no GC falls between them).
   * Returns the reading the interval is at.
   */
  private readAndCollect(goOn: boolean): MemoryParts {
    const probe = new GCProfiler();
    const next = goOn ? new GCProfiler() : null;
    probe.start();
    const now = memoryInUse();
    next?.start();
    const seen = entriesOf(this.profiler.stop());
    const around = entriesOf(probe.stop());
    if (next) this.profiler = next;
    const reading = this.fold(seen, now, overlap(seen, around) > 0) ?? now;
    this.folded = next ? seen : [];
    return reading;
  }

  /** Folds the GCs seen so far; the interval goes on. */
  private collect(): void {
    if (!this.running) return;
    const next = new GCProfiler();
    next.start();
    const seen = entriesOf(this.profiler.stop());
    this.profiler = next;
    this.fold(seen);
    this.folded = seen;
  }

  /**
   * Adds up what the GCs freed (less those folded before), and returns the reading the interval
   * ends with: `now`, or where the last GC left the heap when it came after `now` began to be read.
   */
  private fold(entries: GCEntry[], now?: MemoryParts, lastAfterNow = false): MemoryParts | undefined {
    const fresh = entries.slice(overlap(this.folded, entries));
    for (const { beforeGC, afterGC } of fresh) {
      const before = heapAt(beforeGC);
      const beforeExternal = beforeGC.heapStatistics.externalMemory;
      this.freed.heap += before - heapAt(afterGC);
      this.freed.external += beforeExternal - afterGC.heapStatistics.externalMemory;
      this.highest = Math.max(this.highest, before + beforeExternal);
    }
    const last = entries[entries.length - 1];
    if (lastAfterNow && last) return { heap: heapAt(last.afterGC), external: last.afterGC.heapStatistics.externalMemory };
    return now;
  }

  private figures(now: MemoryParts): MemoryParts {
    this.highest = Math.max(this.highest, now.heap + now.external);
    return {
      heap: Math.max(0, now.heap - this.start.heap + this.freed.heap - costOfCounting()),
      external: Math.max(0, now.external - this.start.external + this.freed.external),
    };
  }

  /** Bytes allocated since `begin()`, garbage included (not the counter's own). */
  allocated(): MemoryParts {
    return this.figures(this.running ? this.readAndCollect(true) : memoryInUse());
  }

  /** `allocated()` and `end()` in one, reading the GC profiler once (a read costs about 30 us). */
  finish(): MemoryParts {
    const now = this.running ? this.readAndCollect(false) : memoryInUse();
    this.running = false;
    return this.figures(now);
  }

  /** Growth in use since `begin()` (negative when more was freed than allocated). */
  growth(): MemoryParts {
    const now = memoryInUse();
    return { heap: now.heap - this.start.heap, external: now.external - this.start.external };
  }

  /** Highest heap + external in use since `begin()` or `resetPeak()`, above the starting point. */
  peak(): number {
    this.allocated();
    return this.peakSoFar();
  }

  /** Heap + external in use when `begin()` read it. */
  startInUse(): number {
    return this.start.heap + this.start.external;
  }

  /** Highest heap + external in use seen so far (absolute, not above the start). */
  highestInUse(): number {
    return this.highest;
  }

  /** The peak as of the last reading (`allocated()` has just read memory: no second reading). */
  peakSoFar(): number {
    return Math.max(0, this.highest - this.start.heap - this.start.external);
  }

  resetPeak(): void {
    this.collect();
    const now = memoryInUse();
    this.highest = now.heap + now.external;
  }

  /** Runs `work` (the tracer's own, e.g. a heap snapshot) without letting it raise the peak. */
  withoutPeak<T>(work: () => T): T {
    this.allocated(); // the program's use up to now, uncollected garbage included, is its peak
    const saved = this.highest;
    try {
      return work();
    } finally {
      forceGc(); // the work's garbage must not count as the program's peak later
      this.collect();
      const now = memoryInUse();
      this.highest = Math.max(saved, now.heap + now.external);
    }
  }

  end(): void {
    if (this.running) this.profiler.stop();
    this.running = false;
  }
}
