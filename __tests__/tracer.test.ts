import {
  DomainFilter,
  Filter,
  clearTraces,
  getObjectTraceback,
  getTracebackLimit,
  getTracedMemory,
  getTracemallocMemory,
  isTracing,
  measure,
  resetPeak,
  start,
  stop,
  takeSnapshot,
  tracerFilenamePattern,
  type Snapshot,
} from '../src';
import { execFileSync } from 'node:child_process';
import { lineOf } from './helpers/lines';

const held: unknown[] = [];

function buildObjects(n: number): void {
  for (let i = 0; i < n; i++) held.push({ i, pair: [i, i * 2] });
}

function fromBuiltins(n: number): { i: number }[] {
  return Array.from({ length: n }, (_, i) => ({ i }));
}

let sink: unknown; // stored objects escape, so the optimizer cannot remove their allocation
function makeGarbage(n: number): void {
  for (let i = 0; i < n; i++) sink = [i, { i }];
}

function buildBuffer(bytes: number): Buffer {
  return Buffer.alloc(bytes, 1);
}

const statAt = (snapshot: Snapshot, functionLine: string) => {
  const line = lineOf(__filename, functionLine);
  return snapshot.statistics('lineno').find((s) => s.traceback.mostRecent?.filename === __filename && s.traceback.mostRecent.lineno === line);
};

afterEach(() => {
  stop();
  held.length = 0;
});

describe('tracing state', () => {
  test('takeSnapshot() before start() says tracing must be started', () => {
    expect(isTracing()).toBe(false);
    expect(() => takeSnapshot()).toThrow('the tracer must be tracing memory allocations to take a snapshot: call start() first');
  });

  test('start() / stop() / isTracing() / getTracebackLimit()', () => {
    start();
    expect(isTracing()).toBe(true);
    expect(getTracebackLimit()).toBe(1);
    start(25); // while tracing: only the limit changes
    expect(getTracebackLimit()).toBe(25);
    stop();
    expect(isTracing()).toBe(false);
    expect(() => takeSnapshot()).toThrow(/must be tracing/);
    stop(); // stopping twice is harmless
  });

  test('bad start() arguments are refused before anything starts', () => {
    expect(() => start(0)).toThrow('the number of frames must be an integer in range [1; 65535], got number 0');
    expect(() => start(70000)).toThrow(RangeError);
    expect(() => start({ samplingInterval: -4 })).toThrow('samplingInterval must be a positive integer number of bytes, got number -4');
    expect(() => start({ nframes: 3 } as never)).toThrow('start(): unknown option "nframes"');
    expect(() => start('25' as never)).toThrow('start() expects a number of frames or an options object, got string "25"');
    expect(isTracing()).toBe(false);
  });

  test('restarting with another sampling interval needs stop() first; a bare nframe only updates the limit', () => {
    start();
    expect(() => start({ samplingInterval: 4096 })).toThrow('already tracing with samplingInterval 1');
    stop();
    start({ samplingInterval: 4096 });
    start(5);
    expect(getTracebackLimit()).toBe(5);
    expect(takeSnapshot().samplingInterval).toBe(4096);
  });
});

describe('snapshots', () => {
  test("statistics('lineno') finds the allocating function at its TypeScript line, within 5% of the exact figure", () => {
    buildObjects(1000); // warm: first calls also allocate V8's feedback and code for the function
    held.length = 0;
    const exact = measure(() => buildObjects(100000), { warmup: 0 }).retainedHeap;
    held.length = 0;
    start();
    buildObjects(100000);
    const stat = statAt(takeSnapshot(), 'function buildObjects(');
    expect(stat).toBeDefined();
    // V8 folds an object and its pair into one allocation: one trace count per iteration
    expect(stat!.count).toBeGreaterThanOrEqual(100000);
    expect(Math.abs(stat!.size - exact) / exact).toBeLessThan(0.05);
  });

  test('sampled traces estimate sizes (interval 4096, 200k objects: within 10%)', () => {
    const exact = measure(() => buildObjects(200000), { warmup: 0 }).retained;
    held.length = 0;
    start({ samplingInterval: 4096 });
    buildObjects(200000);
    const snapshot = takeSnapshot();
    expect(snapshot.samplingInterval).toBe(4096);
    const stat = statAt(snapshot, 'function buildObjects(');
    expect(Math.abs(stat!.size - exact) / exact).toBeLessThan(0.1);
  });

  test('only live objects are traced: garbage is collected before the snapshot', () => {
    const garbage = measure(() => makeGarbage(5000)).allocated;
    start();
    makeGarbage(5000);
    buildObjects(10);
    const snapshot = takeSnapshot();
    // what stays is at most what V8 keeps for the function itself (feedback, code): under 2%
    expect(garbage).toBeGreaterThan(200 * 1024);
    expect(statAt(snapshot, 'function makeGarbage(')?.size ?? 0).toBeLessThan(garbage * 0.02);
    expect(statAt(snapshot, 'function buildObjects(')).toBeDefined();
    expect(sink).toBeDefined();
  });

  test('V8 builtins (Array.from, push) are credited to the calling function', () => {
    start();
    const made = fromBuiltins(20000);
    const snapshot = takeSnapshot();
    const stats = snapshot.statistics('lineno');
    expect(statAt(snapshot, 'function fromBuiltins(')!.size).toBeGreaterThan(20000 * 8); // the array
    expect(statAt(snapshot, 'return Array.from(')!.size).toBeGreaterThan(20000 * 16); // the arrow's objects
    expect(stats.filter((s) => s.traceback.mostRecent!.filename.startsWith('<') && s.size > 64 * 1024)).toEqual([]);
    expect(made.length).toBe(20000);
  });

  test('nframe keeps that many frames, oldest first, and totalNframe says how deep the stack was', () => {
    start(3);
    buildObjects(100);
    const trace = takeSnapshot().traces.find((t) => t.traceback.mostRecent?.functionName === 'buildObjects');
    expect(trace!.traceback.length).toBe(3);
    expect(trace!.traceback.totalNframe).toBeGreaterThan(3);
    expect(trace!.traceback.frames[1]!.filename).toBe(__filename); // the test that called it
  });

  test('clearTraces() forgets what was traced so far; tracing goes on', () => {
    start();
    buildObjects(3000);
    clearTraces();
    expect(isTracing()).toBe(true);
    expect(statAt(takeSnapshot(), 'function buildObjects(')).toBeUndefined();
    buildObjects(3000);
    expect(statAt(takeSnapshot(), 'function buildObjects(')).toBeDefined();
  });

  test("the tracer's own allocations are filtered out by tracerFilenamePattern", () => {
    start();
    const first = takeSnapshot(); // kept alive: its objects are the tracer's
    const second = takeSnapshot();
    const own = (s: Snapshot) => s.traces.filter((t) => t.traceback.mostRecent?.filename.startsWith(tracerFilenamePattern.slice(0, -1)));
    expect(own(second).length).toBeGreaterThan(0);
    expect(own(second.filterTraces([new Filter(false, tracerFilenamePattern)]))).toHaveLength(0);
    expect(first.traces.length).toBeGreaterThan(0);
  });
});

describe('memory figures', () => {
  test('getTracedMemory(): current follows live memory, peak remembers the high point until resetPeak()', () => {
    expect(getTracedMemory()).toEqual({ current: 0, peak: 0 });
    start();
    let big: Uint8Array | null = new Uint8Array(8 * 1024 * 1024);
    const during = getTracedMemory();
    expect(during.current).toBeGreaterThanOrEqual(8 * 1000 * 1000); // GC may also free older garbage
    expect(during.current).toBeLessThan(9 * 1024 * 1024);
    big = null;
    const after = getTracedMemory();
    expect(after.current).toBeLessThan(1024 * 1024);
    expect(after.peak).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    resetPeak();
    expect(getTracedMemory().peak).toBeLessThan(1024 * 1024);
    expect(big).toBeNull();
  });

  test("takeSnapshot() keeps the program's peak but not its own", () => {
    start();
    let garbage: Uint8Array | null = new Uint8Array(8 * 1024 * 1024);
    garbage = null;
    takeSnapshot();
    takeSnapshot();
    const { peak } = getTracedMemory();
    expect(peak).toBeGreaterThanOrEqual(8 * 1000 * 1000);
    expect(peak).toBeLessThan(12 * 1024 * 1024);
    expect(garbage).toBeNull();
  });

  test('getTracemallocMemory() grows with the number of traced objects and is 0 when not tracing', () => {
    expect(getTracemallocMemory()).toBe(0);
    start();
    buildObjects(50000);
    expect(getTracemallocMemory()).toBeGreaterThan(50000 * 8);
    stop();
    expect(getTracemallocMemory()).toBe(0);
  });
});

// Heap snapshots are proportional to the heap, and a Jest worker running ts-jest holds the
// TypeScript compiler: each one takes seconds here, so this file takes as few as it can.
describe('trackObjects: getObjectTraceback() and the external domain', () => {
  test('name the allocating function at its TypeScript line', () => {
    start({ nframe: 4, trackObjects: true });
    buildObjects(10);
    const buffer = buildBuffer(300000);

    const external = takeSnapshot().filterTraces([new DomainFilter(true, 'external')]);
    const mine = external.traces.filter((t) => t.traceback.frames.some((f) => f.functionName === 'buildBuffer' && f.filename === __filename));
    expect(mine.reduce((sum, t) => sum + t.size, 0)).toBe(300000);
    expect(mine[0]!.traceback.frames.find((f) => f.functionName === 'buildBuffer')!.lineno).toBe(lineOf(__filename, 'function buildBuffer('));

    const traceback = getObjectTraceback(held[3]);
    expect(traceback!.mostRecent!.functionName).toBe('buildObjects');
    expect(traceback!.mostRecent!.filename).toBe(__filename);
    expect(traceback!.mostRecent!.lineno).toBe(lineOf(__filename, 'function buildObjects('));
    expect(traceback!.length).toBeLessThanOrEqual(4);
    expect(buffer.length).toBe(300000);
  });

  test('getObjectTraceback() is null for objects from before start(), primitives, and when not tracing (small process)', () => {
    const script = `
      const tm = require(${JSON.stringify(require.resolve('../build'))});
      const before = { made: 'before' };
      const results = [tm.getObjectTraceback(before)];
      tm.start({ trackObjects: true });
      function after() { return { made: 'after' }; }
      const made = after();
      results.push(tm.getObjectTraceback(before), tm.getObjectTraceback(42), tm.getObjectTraceback(null));
      results.push(String(tm.getObjectTraceback(made)));
      console.log(JSON.stringify(results));
    `;
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
    expect(JSON.parse(output)).toEqual([null, null, null, null, '[eval]:6']);
  });

  test('without trackObjects, getObjectTraceback() says how to enable it', () => {
    start();
    expect(() => getObjectTraceback({})).toThrow('getObjectTraceback() needs allocation tracking: start tracing with start({ trackObjects: true })');
  });
});
