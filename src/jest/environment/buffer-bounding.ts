import { discardSampling, startSampling } from '../../v8/sampling-profile';
import { BackgroundSession } from './background-session';

/**
 * Bytes between the profiler's steps, exactly (randomness suppressed): a buffer open at a body's
 * start or end counts at most this much to it, far inside everyTest's 256 KiB tolerance, at a
 * quarter of the samples of 4 KiB (README, "Allocation baselines").
 */
const INTERVAL = 16 * 1024;

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
    // the profile is thrown away: one frame per sample is enough (Node 25+; the inspector keeps 128)
    startSampling({ samplingInterval: INTERVAL, includeGarbage: false, stackDepth: 1, exactSteps: true });
    this.sampling = true;
  }

  protected halt(): void {
    this.sampling = false;
    discardSampling(); // no full GC to read a profile nobody wants
  }

  finish(): void {
    this.end();
  }
}
