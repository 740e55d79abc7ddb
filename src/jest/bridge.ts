// What the environment (Node's realm) shares with code in the test's realm (the matchers): an
// object on the test's global under a registered symbol, which both realms see.
export const TEST_METER = Symbol.for('jest-tracemalloc.testMeter');

/** Lets a matcher keep its own measuring out of the running tests' figures. */
export interface TestMeter {
  pause(): void;
  resume(): void;
}

function meter(): TestMeter | undefined {
  return (globalThis as { [TEST_METER]?: TestMeter })[TEST_METER];
}

/** Runs `work` (sync, or until its promise settles) with the per-test figures paused. */
export function outsideTestFigures<T>(work: () => T): T {
  const current = meter();
  if (!current) return work();
  current.pause();
  let result: T;
  try {
    result = work();
  } catch (error) {
    current.resume();
    throw error;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).finally(() => current.resume()) as T;
  }
  current.resume();
  return result;
}
