import { setFlagsFromString } from 'node:v8';

let repeatable = false;

/**
 * Switches off two V8 behaviours for the rest of the process, so that what code allocates hangs
 * neither on what ran before it nor on a background thread's timing. Neither changes what the code
 * does, only where V8 puts objects and when it swaps in optimised code.
 *
 * - Allocation-site pretenuring. At a scavenge that finds most of a site's young objects alive, V8
 *   decides to allocate that site's objects in the old generation from then on, without the 16-byte
 *   allocation memento each young object carries. Whether such a scavenge fell inside a call hangs on
 *   how full the young generation was when it began: on everything the process did before. In Jest
 *   workers `parse(20000)` read 1,338,048 B in most runs and 9-41% less in 1 run of 5; with
 *   pretenuring off, the same bytes in 20 runs out of 20.
 * - Concurrent on-stack replacement. A long loop's first run switches to optimised code when a
 *   background compile finishes, at a moment that varies: a test body run once read 2.17-2.64 MiB
 *   (21%) over 12 runs; compiled on the main thread, 2.13-2.19 MiB (2.7%).
 */
export function makeAllocationsRepeatable(): void {
  if (!repeatable) {
    setFlagsFromString('--no-allocation-site-pretenuring');
    setFlagsFromString('--no-concurrent-osr');
    repeatable = true;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Milliseconds of letCompilesFinish(): over twice what was enough. */
const COMPILE_PAUSE_MS = 5;

/**
 * Blocks the main thread for a moment, so that V8's background compiler can finish the optimised
 * code the calls so far asked for; it is installed at the next call. Without it a small function's
 * first measure() read its unoptimised figure in 5 processes of 6 (parse(500): 39.5 KiB against
 * 31.5 KiB), as its 7 calls, a scavenge apart, ran before any compile finished; 2 ms before each
 * measured call was enough in 12 Jest runs of 12, on 2 busy cores.
 */
export function letCompilesFinish(): void {
  Atomics.wait(pause, 0, 0, COMPILE_PAUSE_MS);
}
