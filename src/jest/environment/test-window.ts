import { AllocationCounter, type MemoryParts } from '../../v8/allocation-counter';
import { forceGc } from '../../v8/force-gc';

export interface WindowFigures {
  allocated: MemoryParts;
  peak: number;
  retained: MemoryParts | null;
}

/**
 * One test body's figures from V8's GC accounting, which costs nothing per test. The window can be
 * paused (while a matcher measures), so that what the matcher runs is not the test's.
 */
export class TestWindow {
  private readonly counter = new AllocationCounter();
  private readonly allocated: MemoryParts = { heap: 0, external: 0 };
  private readonly retained: MemoryParts = { heap: 0, external: 0 };
  /** What the body held when it was paused: the peak goes on from there. */
  private held = 0;
  private highest = 0;
  private running = false;

  constructor(private readonly withRetained: boolean) {}

  resume(): void {
    if (this.running) return;
    if (this.withRetained) forceGc(); // retained counts from a clean heap
    this.counter.begin(this.held);
    this.running = true;
  }

  pause(): void {
    if (!this.running) return;
    const allocated = this.counter.finish();
    this.highest = Math.max(this.highest, this.counter.peakSoFar());
    this.held = this.counter.held();
    this.allocated.heap += allocated.heap;
    this.allocated.external += allocated.external;
    if (this.withRetained) {
      forceGc();
      const growth = this.counter.growth();
      this.retained.heap += growth.heap;
      this.retained.external += growth.external;
    }
    this.running = false;
  }

  finish(): WindowFigures {
    this.pause();
    return { allocated: { ...this.allocated }, peak: this.highest, retained: this.withRetained ? { ...this.retained } : null };
  }
}
