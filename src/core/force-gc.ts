import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** A full, synchronous garbage collection, without `--expose-gc` on the command line. */
export function forceGc(): void {
  // Before the first forced GC: what it frees must be swept before anything is read.
  makeExternalAccountingExact();
  if (!gc) {
    gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') {
      // Jest's --logHeapUsage gets its gc function the same way.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
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
