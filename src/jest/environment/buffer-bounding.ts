import { startSampling, stopSampling } from '../../core/sampling-profile';

/**
 * Mean bytes between the profiler's steps. Measured on 500 generated tests run 12 times with
 * baselines.everyTest (Node 20, 2 workers): each test's figure moved by up to 254 KiB unbounded
 * (p99 250 KiB), by up to 126 KiB at 4 KiB (p99 96 KiB), no less at 512 B; the suite ran 1.03x,
 * 1.28x and 1.51x the time of the preset's default.
 */
const INTERVAL = 4096;

/**
 * Steadier per-test figures for baselines.everyTest: V8 (Node 20) counts a whole old-generation
 * allocation buffer (up to 256 KiB) as used the moment it hands one out, so a test body read up to
 * 256 KiB more or less from run to run, by where the buffers open at its start and end happened to
 * be. While this runs, V8's sampling heap profiler cuts every buffer at its next step (see
 * core/allocation-buffers.ts); its profile is thrown away.
 *
 * One session runs through the test file, as the sites' does, and pauses whenever code in the test
 * borrows the profiler (the tracer, a matcher, which bounds buffers itself while it measures).
 */
export class BufferBounding {
  private running = false;
  private lent = false;
  private wanted = false;
  /** What went wrong when pausing or resuming (the tests go on; their figures are less precise). */
  readonly problems: string[] = [];

  start(): void {
    this.wanted = true;
    if (this.running || this.lent) return;
    startSampling({ samplingInterval: INTERVAL, includeGarbage: false }, false);
    this.running = true;
  }

  lend(): void {
    this.lent = true;
    try {
      this.stop();
    } catch (error) {
      this.problems.push(`bounding allocation buffers could not pause: ${(error as Error).message}`);
    }
  }

  takeBack(): void {
    this.lent = false;
    if (!this.wanted) return;
    try {
      this.start();
    } catch (error) {
      this.problems.push(`bounding allocation buffers could not resume: ${(error as Error).message}`);
    }
  }

  finish(): void {
    this.wanted = false;
    this.stop();
  }

  private stop(): void {
    if (!this.running) return;
    this.running = false;
    stopSampling(false);
  }
}
