import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { forceGc, makeExternalAccountingExact } from './force-gc';

/** Heap and external bytes. */
export interface MemoryParts {
  heap: number;
  external: number;
}

interface GCMoment {
  heapStatistics: { externalMemory: number };
  heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[];
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

/**
 * Whether a heap space holds the program's objects. V8's compiled code and bytecode with its metadata
 * (code_space, trusted_space, their large-object and shared variants) are V8's own, and V8 13+
 * (Node 24, 26) counts them a whole allocation buffer at a time, whichever thread compiles: a call
 * during which a function was optimised read +230-630 KiB, and the call after -200-290 KiB.
 */
const countsAsProgramMemory = (spaceName: string): boolean => !/code|trusted/.test(spaceName);

/** Heap in use as memoryInUse() counts it, at one side of a GC. */
function heapAt(moment: GCMoment): number {
  let heap = 0;
  for (const space of moment.heapSpaceStatistics) if (countsAsProgramMemory(space.spaceName)) heap += space.spaceUsedSize;
  return heap;
}

export function memoryInUse(): MemoryParts {
  // used_heap_size lags right after a GC (it moved by 20-230 KB between two reads with nothing
  // allocated, Node 20), while the per-space figures are settled; their sum is the same quantity.
  let heap = 0;
  for (const space of getHeapSpaceStatistics()) if (countsAsProgramMemory(space.space_name)) heap += space.space_used_size;
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
  /** The least heap + external in use seen so far: the peak counts from there. */
  private low = 0;
  /** The most in use at once above `low`, seen so far. */
  private highest = 0;
  /** In use above `low` at the last reading: what the interval holds. */
  private holding = 0;
  private running = false;
  /** GCs already folded that the current profiler saw too (its start overlapped the last stop). */
  private folded: GCEntry[] = [];

  /**
   * Starts the interval. `held`: bytes an earlier interval of the same work still holds (a test body
   * paused while a matcher ran), which the peak counts on top of.
   */
  begin(held = 0): void {
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
    this.low = this.start.heap + this.start.external - held;
    this.highest = held;
    this.holding = held;
  }

  /**
   * Takes one moment of memory in use into the peak. The peak is the highest rise above the lowest
   * point before it, as tracemalloc's peak counts only what was allocated since tracing began: memory
   * of earlier work freed meanwhile (or the unused rest of an allocation buffer V8 13+ had counted
   * whole, handed back) does not make 4 MiB of live ArrayBuffers a smaller peak (3.82 MiB, Node 26).
   */
  private see(moment: MemoryParts): void {
    const inUse = moment.heap + moment.external;
    this.low = Math.min(this.low, inUse);
    this.holding = inUse - this.low;
    this.highest = Math.max(this.highest, this.holding);
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
      this.see({ heap: before, external: beforeExternal });
      this.see({ heap: heapAt(afterGC), external: afterGC.heapStatistics.externalMemory });
    }
    const last = entries[entries.length - 1];
    if (lastAfterNow && last) return { heap: heapAt(last.afterGC), external: last.afterGC.heapStatistics.externalMemory };
    return now;
  }

  private figures(now: MemoryParts): MemoryParts {
    this.see(now);
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

  /** Most heap + external held at once since `begin()` or `resetPeak()` (see `see()`). */
  peak(): number {
    this.allocated();
    return this.peakSoFar();
  }

  /** The peak as of the last reading (`allocated()` has just read memory: no second reading). */
  peakSoFar(): number {
    return this.highest;
  }

  /** What the interval held above its lowest point at the last reading, to carry into the next. */
  held(): number {
    return this.holding;
  }

  resetPeak(): void {
    this.collect();
    this.see(memoryInUse());
    this.highest = this.holding;
  }

  /** Runs `work` (the tracer's own, e.g. a heap snapshot) without letting it raise the peak. */
  withoutPeak<T>(work: () => T): T {
    this.allocated(); // the program's use up to now, uncollected garbage included, is its peak
    const saved = { highest: this.highest, low: this.low };
    try {
      return work();
    } finally {
      forceGc(); // the work's garbage must not count as the program's peak later
      this.collect();
      // what the work's own GCs showed is the work's
      this.highest = saved.highest;
      this.low = saved.low;
      this.see(memoryInUse());
    }
  }

  end(): void {
    if (this.running) this.profiler.stop();
    this.running = false;
  }
}
