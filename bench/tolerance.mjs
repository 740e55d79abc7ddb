// The default baseline tolerances as the benches judge spreads: read from the build, so that the
// benches judge by the figures the product uses (src/jest/baselines/tolerance.ts).
import { createRequire } from 'node:module';

const { DEFAULT_TOLERANCE, DEFAULT_WHOLE_TEST_TOLERANCE } = createRequire(import.meta.url)('../build/jest/baselines/tolerance.js');
/** The matchers' baselines. */
export const MATCHERS = DEFAULT_TOLERANCE;
/** baselines.everyTest. */
export const BODIES = DEFAULT_WHOLE_TEST_TOLERANCE;

/** Whether the tolerance would fail the two farthest readings [lo, hi] of a workload. */
export const beyondTolerance = ([lo, hi], tolerance) => hi - lo > tolerance.bytes && (lo === 0 || (hi - lo) / lo > tolerance.percent / 100);
