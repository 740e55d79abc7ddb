// Procedures that call a user's function many times (measure, detectLeak) are written once, as
// generators that yield where the function must be called. `drive` makes the calls: synchronously,
// or asynchronously from the first call that returns a promise, each awaited until it settles.
// A call's result is dropped at once and never held by a procedure or a driver frame: a result the
// caller does not keep is garbage, not retained memory.

export type Procedure<T> = Generator<void, T, void>;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Calls `fn`, returning its promise if it made one; if it throws, the procedure cleans up first. */
function call(fn: () => unknown, steps: Procedure<unknown>): PromiseLike<unknown> | null {
  try {
    const result = fn();
    return isThenable(result) ? result : null;
  } catch (error) {
    steps.throw(error);
    throw error;
  }
}

export function drive<T>(fn: () => unknown, steps: Procedure<T>): T | Promise<T> {
  let step = steps.next();
  while (!step.done) {
    const pending = call(fn, steps);
    if (pending) return driveAsync(fn, steps, pending);
    step = steps.next();
  }
  return step.value;
}

async function driveAsync<T>(fn: () => unknown, steps: Procedure<T>, pending: PromiseLike<unknown> | null): Promise<T> {
  for (;;) {
    // wait for settling without ever taking the resolved value into this frame
    const settled: Promise<unknown> = Promise.resolve(pending).then(
      () => undefined,
      (error: unknown) => {
        steps.throw(error);
        throw error;
      },
    );
    pending = null;
    await settled;
    const step = steps.next();
    if (step.done) return step.value;
    pending = call(fn, steps);
  }
}
