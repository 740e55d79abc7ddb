/**
 * A session of V8's sampling heap profiler that runs through a test file in the background and
 * pauses while the tracer or a matcher holds the profiler (v8/sampler-lease.ts). A pause or resume
 * that fails is a problem to report, not a crash: the tests go on, their figures less precise.
 */
export abstract class BackgroundSession {
  private paused = false;
  private wanted = false;
  private ended = false;
  /** What went wrong when pausing or resuming. */
  readonly problems: string[] = [];

  /** `what` names the session in its problems: "the sites session". */
  constructor(private readonly what: string) {}

  /** The profiler starts sampling for this session (it is stopped, and the session wanted). */
  protected abstract begin(): void;
  /** The profiler stops (the session is running). */
  protected abstract halt(): void;
  protected abstract get running(): boolean;

  start(): void {
    this.wanted = true;
    if (this.running || this.paused || this.ended) return;
    this.begin();
  }

  pause(): void {
    this.paused = true;
    this.noting('pause', () => this.stop());
  }

  resume(): void {
    this.paused = false;
    if (this.wanted && !this.ended) this.noting('resume', () => this.start());
  }

  /** Stops for good. */
  protected end(): void {
    this.wanted = false;
    this.ended = true;
    this.stop();
  }

  private stop(): void {
    if (this.running) this.halt();
  }

  private noting(action: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.problems.push(`${this.what} could not ${action}: ${(error as Error).message}`);
    }
  }
}
