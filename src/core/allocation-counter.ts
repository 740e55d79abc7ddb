import { GCProfiler, getHeapStatistics } from 'node:v8';
import { makeExternalAccountingExact } from './force-gc';

/** Heap and external bytes. */
export interface MemoryParts {
  heap: number;
  external: number;
}

interface GCStats {
  usedHeapSize: number;
  externalMemory: number;
}
interface GCProfile {
  statistics: { beforeGC: { heapStatistics: GCStats }; afterGC: { heapStatistics: GCStats } }[];
}

export function memoryInUse(): MemoryParts {
  const stats = getHeapStatistics();
  return { heap: stats.used_heap_size, external: stats.external_memory };
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

  begin(): void {
    makeExternalAccountingExact();
    this.freed = { heap: 0, external: 0 };
    this.profiler.start();
    this.running = true;
    this.start = memoryInUse();
    this.highest = this.start.heap + this.start.external;
  }

  /** Folds the GCs seen so far into the totals; the interval goes on. */
  private collect(): void {
    if (!this.running) return;
    const profile = this.profiler.stop() as GCProfile | undefined;
    this.profiler = new GCProfiler();
    this.profiler.start();
    for (const { beforeGC, afterGC } of profile?.statistics ?? []) {
      const before = beforeGC.heapStatistics;
      const after = afterGC.heapStatistics;
      this.freed.heap += before.usedHeapSize - after.usedHeapSize;
      this.freed.external += before.externalMemory - after.externalMemory;
      this.highest = Math.max(this.highest, before.usedHeapSize + before.externalMemory);
    }
  }

  /** Bytes allocated since `begin()`, garbage included. */
  allocated(): MemoryParts {
    this.collect();
    const now = memoryInUse();
    this.highest = Math.max(this.highest, now.heap + now.external);
    return {
      heap: Math.max(0, now.heap - this.start.heap + this.freed.heap),
      external: Math.max(0, now.external - this.start.external + this.freed.external),
    };
  }

  /** Growth in use since `begin()` (negative when more was freed than allocated). */
  growth(): MemoryParts {
    const now = memoryInUse();
    return { heap: now.heap - this.start.heap, external: now.external - this.start.external };
  }

  /** Highest heap + external in use since `begin()` or `resetPeak()`, above the starting point. */
  peak(): number {
    this.allocated();
    return Math.max(0, this.highest - this.start.heap - this.start.external);
  }

  resetPeak(): void {
    this.collect();
    const now = memoryInUse();
    this.highest = now.heap + now.external;
  }

  /** Runs `work` (the tracer's own, e.g. a heap snapshot) without letting it raise the peak. */
  withoutPeak<T>(work: () => T): T {
    this.collect();
    const saved = this.highest;
    try {
      return work();
    } finally {
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
