import { discardSampling, startSampling } from './sampling-profile';
import { acquireSampler, samplerHolder } from './sampler-lease';

/** Mean bytes between samples while bounding: small enough for ~2 KiB precision, cheap enough to run. */
const BOUNDING_INTERVAL = 512;

/**
 * Makes old-generation figures of GC accounting precise for the duration of a measurement. V8
 * counts a whole old-generation allocation buffer (up to 256 KiB) as used the moment it hands it
 * out; the sampling heap profiler's allocation observer cuts every buffer at its next step, so while
 * it runs (its profile thrown away) a call reads what it put there (README, "Repeatable figures").
 *
 * Returns the function that stops it, or null when the profiler is held (by the tracer, whose own
 * sampling bounds the buffers just the same).
 */
export function boundAllocationBuffers(): (() => void) | null {
  if (samplerHolder()) return null;
  const release = acquireSampler('measure()');
  try {
    startSampling({ samplingInterval: BOUNDING_INTERVAL, includeGarbage: false, stackDepth: 1 });
  } catch {
    release();
    return null;
  }
  return () => {
    try {
      discardSampling();
    } finally {
      release();
    }
  };
}
