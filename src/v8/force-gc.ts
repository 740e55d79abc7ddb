import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type: 'major' | 'minor' }) => void;
let gc: GcFunction | undefined;

function gcFunction(): GcFunction {
  // Before the first forced GC: what it frees must be swept before anything is read.
  makeExternalAccountingExact();
  if (!gc) {
    gc = (globalThis as { gc?: GcFunction }).gc;
    if (typeof gc !== 'function') {
      // Jest's --logHeapUsage gets its gc function the same way.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as GcFunction;
    }
  }
  return gc;
}

/** A full, synchronous garbage collection, without `--expose-gc` on the command line. */
export function forceGc(): void {
  gcFunction()();
}

/**
 * A scavenge: empties the young generation and leaves the old one alone. Unlike a full GC it does
 * not clear the maps (hidden classes) of objects that are all garbage, which V8 would have to build
 * again, throwing away the optimised code that used them (measure.ts says what that costs).
 */
export function forceMinorGc(): void {
  gcFunction()({ type: 'minor' });
}

let exactExternal = false;

/**
 * ArrayBuffer backing stores are normally freed by a concurrent sweeper after a GC has finished, so
 * GC statistics would miss their frees. Sweeping them during the GC makes external figures exact.
 */
export function makeExternalAccountingExact(): void {
  if (!exactExternal) {
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    exactExternal = true;
  }
}
