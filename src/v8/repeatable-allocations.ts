import { setFlagsFromString } from 'node:v8';

let repeatable = false;

/**
 * Switches off V8 behaviours for the rest of the process, so that what code allocates hangs neither
 * on what ran before it nor on another thread's timing (measured in README, "Repeatable figures").
 * None changes what the code does, only where V8 puts objects and when, and on which thread, it
 * compiles optimised code:
 * - allocation-site pretenuring, decided at a scavenge whose timing hangs on everything before;
 * - concurrent on-stack replacement, whose code arrives when a background compile happens to finish;
 * - compiles on other threads (TurboFan, Sparkplug, Maglev), which take old-generation memory a
 *   whole allocation buffer at a time, into whatever window is open.
 * Their price is wall time, not CPU: Node 24 and 26 have Maglev on by default, and on Node 26 a
 * ts-jest suite ran at 1.11x plain Jest's wall time with these flags, 0.99x with all but `--no-maglev`
 * (README, "A real suite").
 */
export function makeAllocationsRepeatable(): void {
  if (!repeatable) {
    for (const flag of FLAGS) setFlagsFromString(flag);
    repeatable = true;
  }
}

const FLAGS = [
  '--no-allocation-site-pretenuring',
  '--no-concurrent-osr',
  '--no-concurrent-recompilation',
  '--no-concurrent-sparkplug',
  '--no-maglev',
];

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Milliseconds of letCompilesFinish(): over twice what was enough. */
const COMPILE_PAUSE_MS = 5;

/** Blocks the main thread for a moment, so that a compile V8 still finishes elsewhere is installed before the next call. */
export function letCompilesFinish(): void {
  Atomics.wait(pause, 0, 0, COMPILE_PAUSE_MS);
}
