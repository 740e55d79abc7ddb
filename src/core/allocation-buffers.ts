import { startSampling, stopSampling } from './sampling-profile';
import { isSamplerBusy, setSamplerOwner } from './sampler-owner';

/** Mean bytes between samples while bounding: small enough for ~2 KiB precision, cheap enough to run. */
const BOUNDING_INTERVAL = 512;

/**
 * Makes old-generation figures of GC accounting precise for the duration of a measurement.
 *
 * V8 allocates in the old generation (internalized strings such as JSON.parse's short values, code,
 * feedback) from linear allocation buffers of up to 256 KiB, and counts a whole buffer as used the
 * moment it hands it out. So a call that put 24 KiB of strings in the old generation read anywhere
 * from 0 to 257 KiB (Node 20), depending on the buffer left open. An allocation observer cuts every
 * buffer at its next step: with the sampling heap profiler running at 512 B, the same call read
 * 23.1-25.1 KiB. The profile itself is thrown away.
 *
 * Returns the function that stops it, or null when the profiler is taken (by the tracer, whose own
 * sampling bounds the buffers just the same, or by another borrower in a Jest test).
 */
export function boundAllocationBuffers(): (() => void) | null {
  if (isSamplerBusy()) return null;
  try {
    startSampling({ samplingInterval: BOUNDING_INTERVAL, includeGarbage: false });
  } catch {
    return null;
  }
  setSamplerOwner('measure');
  return () => {
    setSamplerOwner(null);
    stopSampling();
  };
}
