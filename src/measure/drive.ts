// Procedures that call a user's function many times (measure, detectLeak) are written once, as
// generators that yield where the function must be called. `drive` makes the calls: synchronously,
// or asynchronously from the first call that returns a promise, each awaited until it settles.
// A call's result is dropped at once and never held by a procedure or a driver frame: a result the
// caller does not keep is garbage, not retained memory.

/**
 * How to make one call, when a procedure needs it made some other way than `fn()` (detectLeak's
 * sites round calls through a frame that V8 cannot inline `fn` into, so that `fn` shows in stacks).
 */
export type Caller = (fn: () => unknown) => unknown;

export type Procedure<T> = Generator<Caller | void, T, void>;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Calls `fn`, returning its promise if it made one; if it throws, the procedure cleans up first. */
function call(fn: () => unknown, steps: Procedure<unknown>, caller: Caller | void): PromiseLike<unknown> | null {
  try {
    const result = caller ? caller(fn) : fn();
    return isThenable(result) ? result : null;
  } catch (error) {
    steps.throw(error);
    throw error;
  }
}

/**
 * The calls took longer than the caller allowed: Jest cannot time out synchronous code, and an
 * asynchronous measurement left running after its test timed out would allocate into the next test.
 */
export class TimeLimitError extends Error {
  constructor(
    /** Calls made before stopping. */
    readonly calls: number,
    /** The limit, in ms. */
    readonly limit: number,
    /** The calls returned promises (the limit was the asynchronous one). */
    readonly asynchronous: boolean,
  ) {
    super(`stopped after ${calls.toLocaleString('en-US')} calls: the time limit of ${limit.toLocaleString('en-US')} ms was reached`);
    this.name = 'TimeLimitError';
  }
}

/**
 * When calls must stop, in ms after `started` (performance.now()): `limit` for calls that return
 * promises, `syncLimit` for synchronous ones (a guard against a run that would never end, since
 * nothing else can stop it).
 */
export interface Deadline {
  started: number;
  limit: number;
  syncLimit: number;
}

/** Once past the deadline, throws TimeLimitError into the procedure (so that it cleans up) and to the caller. */
function checkDeadline(deadline: Deadline | undefined, calls: number, steps: Procedure<unknown>, asynchronous: boolean): void {
  const limit = asynchronous ? deadline?.limit : deadline?.syncLimit;
  if (!deadline || limit === undefined || performance.now() - deadline.started <= limit) return;
  stop(new TimeLimitError(calls, limit, asynchronous), steps);
}

function stop(error: TimeLimitError, steps: Procedure<unknown>): never {
  try {
    steps.throw(error);
  } catch {
    // the procedure rethrows it after its cleanup
  }
  throw error;
}

export function drive<T>(fn: () => unknown, steps: Procedure<T>, deadline?: Deadline): T | Promise<T> {
  let step = steps.next();
  let calls = 0;
  while (!step.done) {
    checkDeadline(deadline, calls, steps, false);
    const pending = call(fn, steps, step.value);
    calls++;
    if (pending) return driveAsync(fn, steps, pending, deadline, calls);
    step = steps.next();
  }
  return step.value;
}

async function driveAsync<T>(fn: () => unknown, steps: Procedure<T>, pending: PromiseLike<unknown> | null, deadline: Deadline | undefined, calls: number): Promise<T> {
  const limit = deadline?.limit;
  // one timer for the whole drive (a timer per call would leave Node's timer lists growing, which a
  // leak check sees), so that a call that never settles is still stopped at the deadline
  const alarm = deadline && limit !== undefined && Number.isFinite(limit) ? new Alarm(deadline.started + limit - performance.now()) : null;
  try {
    for (;;) {
      let abandoned = false;
      // wait for settling without ever taking the resolved value into this frame
      const settled = new Promise<void>((resolve, reject) => {
        if (alarm) {
          alarm.wake = () => {
            abandoned = true;
            resolve();
          };
        }
        Promise.resolve(pending).then(
          () => resolve(),
          (error: unknown) => {
            if (abandoned) return; // the deadline came first: the procedure has cleaned up already
            try {
              steps.throw(error); // the procedure cleans up, and rethrows
            } catch (thrown) {
              reject(thrown);
              return;
            }
            reject(error);
          },
        );
      });
      pending = null;
      await settled;
      if (alarm) alarm.wake = null;
      if (abandoned) stop(new TimeLimitError(calls, limit as number, true), steps);
      const step = steps.next();
      if (step.done) return step.value;
      checkDeadline(deadline, calls, steps, true);
      pending = call(fn, steps, step.value);
      calls++;
    }
  } finally {
    alarm?.clear();
  }
}

/** A timer that wakes whoever waits on it when the deadline passes. */
class Alarm {
  wake: (() => void) | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    // (setTimeout takes at most 2^31 - 1 ms, about 24 days, and fires at once beyond it)
    this.timer = setTimeout(() => this.wake?.(), Math.min(Math.max(0, ms), 2 ** 31 - 1));
    this.timer.unref(); // a measurement never keeps the process alive by its deadline alone
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
