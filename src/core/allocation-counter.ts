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
interface GCProfile {
  statistics: { beforeGC: GCMoment; afterGC: GCMoment }[];
}

let readingCost: number | undefined;

/**
 * Bytes one memoryInUse() call allocates after it has read the figures (the arrays it returns).
 * An interval opened by one reading and closed by another contains exactly one such cost.
 */
function costOfReading(): number {
  if (readingCost === undefined) {
    const costs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const first = memoryInUse();
      const second = memoryInUse();
      costs.push(second.heap - first.heap);
    }
    readingCost = Math.max(0, Math.min(...costs));
  }
  return readingCost;
}

/** Heap in use as memoryInUse() counts it, at one side of a GC. */
function heapAt(moment: GCMoment): number {
  let heap = 0;
  for (const space of moment.heapSpaceStatistics) heap += space.spaceUsedSize;
  return heap;
}

/**
 * How far apart a reading and a GC's own figures may be for the GC to count as triggered by the
 * reading itself: what a reading allocates, and some room.
 */
const slack = (): number => costOfReading() + 1024;

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
 */
export class AllocationCounter {
  private profiler = new GCProfiler();
  private start: MemoryParts = { heap: 0, external: 0 };
  private freed: MemoryParts = { heap: 0, external: 0 };
  private highest = 0;
  private running = false;
  /** Whether the first GC of the interval has been looked at (see fold()). */
  private sawGc = false;

  begin(): void {
    makeExternalAccountingExact();
    costOfReading();
    this.freed = { heap: 0, external: 0 };
    this.sawGc = false;
    this.profiler.start();
    this.running = true;
    this.start = memoryInUse();
    this.highest = this.start.heap + this.start.external;
  }

  /** Folds the GCs seen so far into the totals; the interval goes on. Returns `now` as fold() leaves it. */
  private collect(now?: MemoryParts): MemoryParts | undefined {
    if (!this.running) return now;
    const profile = this.profiler.stop() as GCProfile | undefined;
    this.profiler = new GCProfiler();
    this.profiler.start();
    return this.fold(profile, now);
  }

  /**
   * Adds up what the GCs freed, and returns the reading the interval ends with. Reading memory
   * allocates (Node builds an object per heap space), and that can trigger a GC on either side of
   * the moment read, while the GC profiler runs. A GC just before the start was read had already
   * freed its garbage from `start`; one just after `now` was read freed garbage `now` still held.
   * Counted, either added a whole young generation to the figure (1-13 MB, about 1 window in 1000).
   * Such a GC is known by its figures: the start reading is where it left the heap, or `now` is where
   * it found it, to within what a reading allocates.
   */
  private fold(profile: GCProfile | undefined, now?: MemoryParts): MemoryParts | undefined {
    let statistics = profile?.statistics ?? [];
    if (!this.sawGc && statistics.length > 0) {
      this.sawGc = true;
      const first = statistics[0] as GCProfile['statistics'][number];
      const sinceGc = this.start.heap - heapAt(first.afterGC);
      if (sinceGc >= 0 && sinceGc <= slack()) statistics = statistics.slice(1); // before `start`
    }
    let reading = now;
    const last = statistics[statistics.length - 1];
    if (now && last) {
      const untilGc = heapAt(last.beforeGC) - now.heap;
      // after `now`: the interval ends where that GC left the heap, its garbage freed
      if (untilGc >= 0 && untilGc <= slack()) reading = { heap: heapAt(last.afterGC), external: last.afterGC.heapStatistics.externalMemory };
    }
    for (const { beforeGC, afterGC } of statistics) {
      const before = heapAt(beforeGC);
      const beforeExternal = beforeGC.heapStatistics.externalMemory;
      this.freed.heap += before - heapAt(afterGC);
      this.freed.external += beforeExternal - afterGC.heapStatistics.externalMemory;
      this.highest = Math.max(this.highest, before + beforeExternal);
    }
    return reading;
  }

  private figures(now: MemoryParts): MemoryParts {
    this.highest = Math.max(this.highest, now.heap + now.external);
    return {
      heap: Math.max(0, now.heap - this.start.heap + this.freed.heap - costOfReading()),
      external: Math.max(0, now.external - this.start.external + this.freed.external),
    };
  }

  /** Bytes allocated since `begin()`, garbage included (not the counter's own). */
  allocated(): MemoryParts {
    const now = memoryInUse(); // before collect(), whose own allocations are not the program's
    return this.figures(this.collect(now) ?? now);
  }

  /** `allocated()` and `end()` in one, reading the GC profiler once (a read costs about 30 us). */
  finish(): MemoryParts {
    let now = memoryInUse();
    if (this.running) now = this.fold(this.profiler.stop() as GCProfile | undefined, now) ?? now;
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
