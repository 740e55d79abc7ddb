import { startSampling, stopSampling } from '../../v8/sampling-profile';
import { BackgroundSession } from './background-session';

/** Mean bytes between the profiler's steps: as steady as 512 B and cheaper (README, "Allocation baselines"). */
const INTERVAL = 4096;

/**
 * Steadier per-test figures for baselines.everyTest: old-generation allocation buffers cut small
 * through the test file, as v8/allocation-buffers.ts does for one measurement, so that a body's
 * figure does not hang on where the buffers open at its start and end happened to be.
 */
export class BufferBounding extends BackgroundSession {
  private sampling = false;

  constructor() {
    super('bounding allocation buffers');
  }

  protected get running(): boolean {
    return this.sampling;
  }

  protected begin(): void {
    startSampling({ samplingInterval: INTERVAL, includeGarbage: false });
    this.sampling = true;
  }

  protected halt(): void {
    this.sampling = false;
    stopSampling();
  }

  finish(): void {
    this.end();
  }
}
