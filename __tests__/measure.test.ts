import { spawnSync } from 'node:child_process';
import { Session } from 'node:inspector';
import { measure, start, stop } from '../src';
import { AllocationCounter } from '../src/v8/allocation-counter';
import { forceGc } from '../src/v8/force-gc';
import { lineOf } from './helpers/lines';

// Ground truth: V8's sampling heap profiler at interval 1 records every allocation, garbage included.
const session = new Session();
session.connect();
function post<T>(method: string, params?: object): T {
  let result: T | undefined;
  session.post(method, params, (error, value) => {
    if (error) throw error;
    result = value as T;
  });
  return result as T;
}
interface ProfileNode {
  id: number;
  callFrame: { url: string };
  children: ProfileNode[];
}
/** Bytes of every allocation `fn` made, by the profiler at interval 1; the inspector's own left out. */
function profiledBytes(fn: () => unknown): number {
  post('HeapProfiler.enable');
  post('HeapProfiler.startSampling', { samplingInterval: 1, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  fn();
  const { profile } = post<{ profile: { head: ProfileNode; samples: { size: number; nodeId: number }[] } }>('HeapProfiler.stopSampling');
  const inspectorNodes = new Set<number>();
  const walk = (node: ProfileNode, underInspector: boolean): void => {
    const inspector = underInspector || node.callFrame.url === 'node:inspector';
    if (inspector) inspectorNodes.add(node.id);
    for (const child of node.children) walk(child, inspector);
  };
  walk(profile.head, false);
  return profile.samples.reduce((sum, s) => (inspectorNodes.has(s.nodeId) ? sum : sum + s.size), 0);
}

function objects(): unknown[] {
  const a = new Array(60000);
  for (let i = 0; i < a.length; i++) a[i] = { i, j: i + 1 };
  return a;
}
function strings(): unknown[] {
  const a = new Array(60000);
  for (let i = 0; i < a.length; i++) a[i] = 'str' + i;
  return a;
}
function arrays(): unknown[] {
  const a = new Array(40000);
  for (let i = 0; i < a.length; i++) a[i] = [i, i * i, i + 1];
  return a;
}
function typedArrays(): unknown[] {
  const a = new Array(500);
  for (let i = 0; i < a.length; i++) a[i] = new Float64Array(2048);
  return a;
}
function buffers(): unknown[] {
  const a = new Array(500);
  for (let i = 0; i < a.length; i++) a[i] = Buffer.alloc(10000);
  return a;
}

describe('measure() totals against ground truth', () => {
  // The truth leaves out the inspector's own allocations (its messages around the profile).
  test.each([
    ['small objects', objects, 0],
    ['strings', strings, 0],
    ['arrays', arrays, 0],
    ['typed arrays', typedArrays, 500 * 2048 * 8],
    ['Buffers', buffers, 500 * 10000],
  ])('%s: within 0.5%% of every allocation recorded by the profiler', (name, fn, external) => {
    // Each measure() is paired with profiles taken just before and just after it: V8 swaps in
    // optimised code at some call, after which the same function allocates less (Node 24, 26: 500
    // Buffers' heap part 144,768 B, then 104,768 B; the profiler reads 105,000 B then too), so a
    // figure is compared with the truth of the same code. At interval 1 the profiler now and then
    // makes V8 run code that adds a 16-byte allocation memento to each object (Node 24: 1,085 or
    // 16,393 of 60,000 objects in 2 profiles of 3): the median round is judged.
    measure(fn); // V8's settings for measuring (repeatable-allocations.ts) hold for both sides
    for (let i = 0; i < 3; i++) fn();
    const rounds = Array.from({ length: 7 }, () => {
      const before = profiledBytes(fn) + external;
      const m = measure(fn, { warmup: 2 });
      const after = profiledBytes(fn) + external;
      const error = Math.min(Math.abs(m.allocated - before) / before, Math.abs(m.allocated - after) / after);
      return { m, before, after, error };
    });
    const { m: best, error } = [...rounds].sort((a, b) => a.error - b.error)[3]!;
    if (error >= 0.005) {
      throw new Error(`${name}: measured (profiled before / after) ${rounds.map((r) => `${r.m.allocated} (${r.before} / ${r.after})`).join(', ')}`);
    }
    expect(best.allocated).toBe(best.heap + best.external);
    if (external) expect(best.external).toBe(external);
    else expect(best.external).toBe(0);
  });

  test('retained counts what stays reachable, not the garbage', () => {
    const kept: unknown[] = [];
    let sink: unknown; // stored, so the optimizer cannot remove these allocations
    const m = measure(
      () => {
        kept.push(new Uint8Array(1024 * 1024));
        for (let i = 0; i < 50000; i++) sink = [i, { i }];
      },
      { warmup: 0 },
    );
    expect(sink).toBeDefined();
    // net growth of the process: other ArrayBuffers freed meanwhile (the runner's) count against it
    expect(Math.abs(m.retainedExternal - 1024 * 1024)).toBeLessThan(128 * 1024);
    expect(m.heap).toBeGreaterThan(2 * 1024 * 1024); // the garbage was allocated...
    expect(m.retainedHeap).toBeLessThan(512 * 1024); // ...and is not retained (V8's JIT work may be)
    expect(m.retained).toBe(m.retainedHeap + m.retainedExternal);
    expect(m.allocated).toBe(m.heap + m.external);
  });

  test('a result the caller does not keep is not retained, whatever the warm-up', () => {
    const make = (): number[] => new Array(100000).fill(1.5);
    // The array is 800 KB. A cold first call can leave up to ~200 KB of V8's own feedback and code
    // behind (seen in CI), so the bound sits halfway: kept arrays are above it, dropped ones below.
    // (retained is the process's net growth: memory the runner frees meanwhile can make it negative)
    for (const warmup of [0, 1, 3]) {
      expect(measure(make, { warmup }).retained).toBeLessThan(400000);
    }
  });

  test('a result the caller does not keep is not retained (async)', async () => {
    for (const warmup of [0, 2]) {
      const m = await measure(async () => new Array(100000).fill(1.5), { warmup });
      expect(m.retained).toBeLessThan(400000); // see above: the 800 KB array is not kept
      expect(m.allocated).toBeGreaterThan(800000);
    }
  });

  test('over several runs, retained is the smallest call: a one-off is not what the function keeps', () => {
    const kept: unknown[] = [];
    let calls = 0;
    const onceOnly = () => (++calls === 3 ? kept.push(new Uint8Array(512 * 1024)) : 0);
    expect(measure(onceOnly, { warmup: 1, runs: 3 }).retainedExternal).toBeLessThan(64 * 1024);
    const everyCall = () => kept.push(new Uint8Array(512 * 1024));
    expect(measure(everyCall, { warmup: 1, runs: 3 }).retainedExternal).toBeGreaterThan(400 * 1024);
  });

  test('a result the caller keeps is retained', () => {
    const kept: number[][] = [];
    expect(measure(() => kept.push(new Array(100000).fill(1.5)), { warmup: 0 }).retained).toBeGreaterThan(400000);
  });

  test('peak is the most held at once during the call', () => {
    const m = measure(() => {
      let big: Uint8Array | null = new Uint8Array(4 * 1024 * 1024);
      big = null;
      return big;
    });
    expect(m.peak).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(m.retained).toBeLessThan(1024 * 1024); // the 4 MiB did not stay (V8's own JIT work may)
  });
});

test('a peak counts from the lowest point before it: memory freed meanwhile does not shrink live ArrayBuffers', () => {
  // as tracemalloc's peak counts only what was allocated since tracing began (V8 13+ also hands back
  // the unused rest of buffers it had counted whole: a test holding 4 MiB read a 3.82 MiB peak)
  let garbage: unknown[] | null = Array.from({ length: 100000 }, (_, i) => ({ i, s: `x${i}` }));
  const counter = new AllocationCounter();
  counter.begin();
  garbage = null;
  forceGc(); // the heap falls megabytes below where the interval began
  const kept = new Uint8Array(4 * 1024 * 1024);
  counter.finish();
  expect(counter.growth().heap).toBeLessThan(-1024 * 1024); // the situation the rule is for
  expect(counter.peakSoFar()).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  expect(counter.peakSoFar()).toBeLessThan(4 * 1024 * 1024 + 256 * 1024);
  expect(garbage).toBeNull();
  expect(kept.length).toBe(4 * 1024 * 1024); // held to the end
});

describe('measure() figures are repeatable', () => {
  // Ways in which V8 made the same call read differently, each found in Jest workers; see
  // src/v8/allocation-buffers.ts and src/v8/repeatable-allocations.ts.
  const shortStrings = JSON.stringify(Array.from({ length: 1000 }, (_, i) => `s${i}`));
  let junk: unknown[] = [];
  /** Leaves the old generation in a different state each time, as earlier tests would. */
  function churn(round: number): void {
    for (let i = 0; i < 20000 * (round % 3); i++) junk.push({ i, s: `x${i}` });
    if (round % 2) junk = [];
  }

  test('old-generation allocations count to about the byte, not by the allocation buffer', () => {
    // JSON.parse internalizes short strings: about 24 KiB in the old generation per text, which
    // read anywhere from 0 to 257 KiB when V8 counted its whole allocation buffer as used. Each call
    // parses strings of its own: the same text again would find the strings of the call before,
    // still in the string table until a full GC, and allocate none.
    const texts = Array.from({ length: 70 }, (_, text) =>
      JSON.stringify(Array.from({ length: 1000 }, (_, i) => `s${String(text).padStart(2, '0')}_${String(i).padStart(4, '0')}`)),
    );
    let next = 0;
    const fn = () => JSON.parse(texts[next++ % texts.length] as string) as unknown;
    for (let i = 0; i < 3; i++) fn();
    const truth = Math.min(...Array.from({ length: 3 }, () => profiledBytes(fn)));
    const figures: number[] = [];
    for (let round = 0; round < 8; round++) {
      churn(round);
      figures.push(measure(fn, { warmup: 1, runs: 3 }).smallest.allocated);
    }
    junk = [];
    expect(next).toBeLessThanOrEqual(texts.length); // no text parsed twice
    const off = figures.map((f) => Math.abs(f - truth));
    if (Math.max(...off) > 4096) throw new Error(`measured ${figures.join(', ')} against profiled ${truth}`);
  });

  test('the full GCs of retained figures do not make a class re-learn its maps (child process, vm context as in Jest)', () => {
    // At a full GC V8 clears the maps of a class whose instances are all garbage, and throws away the
    // optimised code built on them. measure() calls with a full GC before each read 24% more for this
    // function in a vm context (in Jest 3-5 processes in 12, deterministically with synchronous
    // compiles), as if each call ran cold. The control keeps one instance, so its maps cannot die.
    const built = JSON.stringify(require.resolve('../build/index.js')); // npm test builds it first
    const figures = (keepOne: boolean) => {
      const script = `
        const vm = require('node:vm');
        const context = vm.createContext({});
        const work = vm.runInContext(\`
          class Point {
            constructor(x, y) { this.x = x; this.y = y; }
            plus(other) { return new Point(this.x + other.x, this.y + other.y); }
          }
          () => { let p = new Point(0, 0); for (let i = 0; i < 10000; i++) p = p.plus(new Point(i * 0.5, 1)); return p; };
        \`, context);
        const kept = ${keepOne} ? work() : null;
        const { measure } = require(${built});
        // the second measure(): on Node 24 and 26 one call of the first still runs while V8 tiers up
        // (672 KiB against 560 KiB, or 307 KiB where escape analysis took half the points away)
        measure(work, { warmup: 2, runs: 5 });
        const m = measure(work, { warmup: 2, runs: 5 });
        console.log(JSON.stringify({ allocated: m.allocated, smallest: m.smallest.allocated, kept: kept !== null }));`;
      const child = spawnSync(process.execPath, ['--no-concurrent-recompilation', '-e', script], { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as { allocated: number; smallest: number; kept: boolean };
    };
    const control = figures(true);
    const measured = figures(false);
    expect(control.kept).toBe(true);
    expect(measured.smallest).toBeGreaterThan(500 * 1024); // 20,000 instances
    expect(Math.abs(measured.smallest / control.smallest - 1)).toBeLessThan(0.02);
    expect(Math.abs(measured.allocated / control.smallest - 1)).toBeLessThan(0.02);
  });

  test('a GC that a reading of memory triggers itself is not counted (child process)', () => {
    // Reading memory allocates, and the allocation can start a scavenge on either side of the moment
    // read; counted, it added a whole young generation to a figure (21-29 windows in 20,000 read
    // +1 MB here). A small young generation makes scavenges frequent.
    const built = JSON.stringify(require.resolve('../build/v8/allocation-counter.js')); // npm test builds it first
    const repeatable = JSON.stringify(require.resolve('../build/v8/repeatable-allocations.js'));
    const script = `
      const { AllocationCounter } = require(${built});
      // as measure() and the environment do: with V8's compile threads on, a window a compiler
      // thread took an allocation buffer in read +70-260 KiB (Node 24, 26: about 2 in 20,000)
      require(${repeatable}).makeAllocationsRepeatable();
      let sink;
      const figures = [];
      for (let k = 0; k < 20000; k++) {
        const n = (k * 7919) % 97; // garbage outside the windows, so that scavenges fall anywhere
        const garbage = new Array(n);
        for (let i = 0; i < n; i++) garbage[i] = { i, k };
        sink = garbage;
        const counter = new AllocationCounter();
        counter.begin();
        sink = new Array(100).fill(k);
        figures.push(counter.finish().heap);
      }
      console.log(JSON.stringify(figures.filter((f) => f > 64 * 1024)));`;
    const child = spawnSync(process.execPath, ['--max-semi-space-size=1', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([]);
  });

  test('a GC inside the interval counts, even when it leaves the heap as the interval found it (child process)', () => {
    // All garbage up to a scavenge that promotes what was live at the start: the heap after that GC
    // is the heap at the start, or nearly. Telling a reading's own GCs apart by their figures dropped
    // such a GC (7.96 of 11.2 MB read, in about 2 runs of 5 of this test); the probe profiler does not.
    const built = JSON.stringify(require.resolve('../build/v8/allocation-counter.js')); // npm test builds it first
    const script = `
      const v8 = require('node:v8');
      v8.setFlagsFromString('--expose-gc');
      const gc = require('node:vm').runInNewContext('gc');
      const { AllocationCounter } = require(${built});
      const junk = new Array(1024);
      const work = () => { for (let i = 0; i < 200000; i++) junk[i & 1023] = [i]; };
      for (let i = 0; i < 20; i++) work();
      let live;
      const figures = [];
      for (let round = 0; round < 160; round++) {
        gc();
        const n = [0, 20000, 100000, 200000][round % 4];
        live = new Array(n);
        for (let i = 0; i < n; i++) live[i] = { i, s: 'x' };
        gc({ type: 'minor' }); // survived one scavenge: the next one, inside the interval, promotes it
        const counter = new AllocationCounter();
        counter.begin();
        work();
        figures.push(counter.finish().heap);
        live = null;
      }
      console.log(JSON.stringify(figures));`;
    const child = spawnSync(process.execPath, ['--max-semi-space-size=16', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const figures = JSON.parse(child.stdout) as number[];
    const median = [...figures].sort((a, b) => a - b)[80] as number;
    expect(median).toBeGreaterThan(200000 * 40); // 200,000 one-element arrays
    expect(figures.filter((f) => f < median * 0.98)).toEqual([]);
  });

  test("a small function's measure() reads the same in every process (child processes)", () => {
    // Its 7 calls, a scavenge apart, ran before V8's background compiler had finished: without a
    // pause before each measured call, 5 first measures of 6 read 39.5 KiB against 31.5 KiB (Node 20),
    // and on Node 26 one process read 35.5 KiB where another read 31.5 KiB. Where V8 optimises the
    // function only after the first measure()'s 12 calls (Node 22: at its 19th call; 24 and 26,
    // with TurboFan alone: after the second measure()), the first reads the unoptimised figure, but
    // in every process alike.
    const built = JSON.stringify(require.resolve('../build/index.js')); // npm test builds it first
    const script = `
      const context = require('node:vm').createContext({});
      const fn = require('node:vm').runInContext(
        "function parse(count) { const out = []; for (let i = 0; i < count; i++) out.push({ i, label: 'item' }); return out; }; () => parse(500)",
        context,
      );
      const { measure } = require(${built});
      console.log(JSON.stringify([1, 2, 3].map(() => measure(fn, { warmup: 2, runs: 5 }).smallest.allocated)));`;
    const runs = Array.from({ length: 3 }, () => {
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as number[];
    });
    for (const [first, second, third] of runs) {
      expect(third).toBeGreaterThan(500 * 40); // 500 objects and the array
      // V8 optimises it at some call (each line at its own), never to allocate more
      expect(first).toBeGreaterThanOrEqual(second! - 256);
      expect(second).toBeGreaterThanOrEqual(third! - 256);
    }
    for (const position of [0, 1, 2]) {
      const figures = runs.map((run) => run[position]!);
      expect(Math.max(...figures) - Math.min(...figures)).toBeLessThanOrEqual(256); // up to 112 B on Node 20
    }
  });

  test('V8 makes no pretenuring decision once measure() has run (trace of a child process)', () => {
    // Whether a decision lowers a later figure hangs on the heap's state (1 Jest run in 5 read 9-41%
    // low), so what is checked is that V8 no longer weighs one: its trace prints each site weighed.
    const bigCalls = "const make = (n) => { const out = []; for (let i = 0; i < n; i++) out.push({ i, label: 'item' }); return out; }; const keep = []; for (let i = 0; i < 4; i++) keep.push(make(400000));";
    const feedback = (prelude: string) => {
      const child = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '-e', `${prelude}\n${bigCalls}`], { encoding: 'utf8' });
      expect(child.status).toBe(0);
      return `${child.stdout}${child.stderr}`.split('\n').filter((line) => line.includes('pretenuring: AllocationSite')).length;
    };
    const built = JSON.stringify(require.resolve('../build/index.js')); // npm test builds it first
    expect(feedback('')).toBeGreaterThan(0); // the workload does make V8 weigh pretenuring
    expect(feedback(`require(${built}).measure(() => ({}));`)).toBe(0);
  });

  test('the first call of a long loop reads the same each time (no concurrent on-stack replacement)', () => {
    const figures: number[] = [];
    for (let round = 0; round < 8; round++) {
      churn(round);
      // a new function each round: cold, as a test body run once
      const parse = new Function('count', "const out = []; for (let i = 0; i < count; i++) out.push({ i, label: 'item' }); return out;") as (n: number) => unknown;
      figures.push(measure(() => parse(30000), { warmup: 0, runs: 1 }).allocated);
    }
    junk = [];
    // 2.7% apart on Node 20 (21% with concurrent OSR); up to 5.0% on Node 26, where Maglev still
    // compiles on another thread: within everyTest's 15% tolerance for a body run once
    const spread = Math.max(...figures) / Math.min(...figures) - 1;
    if (spread > 0.08) throw new Error(`cold calls read ${figures.join(', ')} (${(spread * 100).toFixed(1)}% apart)`);
  });
});

describe('measure() options and shapes', () => {
  test('runs averages per call; warmup calls are not measured', () => {
    let calls = 0;
    const m = measure(
      () => {
        calls++;
        return new Uint8Array(100000);
      },
      { warmup: 3, runs: 4 },
    );
    expect(calls).toBe(3 + 4 + 4); // the runs for allocated figures, then as many for retained ones
    expect(m.runs).toBe(4);
    expect(m.warmup).toBe(3);
    expect(m.external).toBe(100000);
  });

  test('a function returning a promise is measured until it settles, across timers', async () => {
    const result = measure(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return new Uint8Array(300000);
      },
      { runs: 3 },
    );
    expect(result).toBeInstanceOf(Promise);
    const m = await result;
    // the smallest call: Jest's own I/O while a call waits is counted too (a 128 KiB Buffer, Node 22)
    expect(m.smallest.external).toBe(300000);
  });

  test('a sync function gives a plain result', () => {
    const m = measure(() => 1);
    expect(m).not.toBeInstanceOf(Promise);
    expect(m.allocated).toBeLessThan(4096);
  });

  test('errors of fn propagate, sync and async, and leave the profiler free', async () => {
    expect(() => measure(() => { throw new Error('sync boom'); })).toThrow('sync boom');
    await expect(measure(async () => { throw new Error('async boom'); })).rejects.toThrow('async boom');
    expect(() => measure(() => { throw new Error('boom in sites'); }, { warmup: 0, sites: true })).toThrow('boom in sites');
    expect(measure(() => new Uint8Array(10), { sites: true }).sites).toBeDefined();
  });

  test('bad input is refused with the value quoted', () => {
    expect(() => measure('fn' as never)).toThrow('measure() expects a function, got string "fn"');
    expect(() => measure(() => 1, { runs: 0 })).toThrow('runs must be an integer of 1 or more, got number 0');
    expect(() => measure(() => 1, { warmup: -1 })).toThrow('warmup must be an integer of 0 or more, got number -1');
    expect(() => measure(() => 1, { run: 3 } as never)).toThrow('unknown option "run"; known options are warmup, runs, sites');
    expect(() => measure(() => 1, { sites: 'yes' } as never)).toThrow('sites must be a boolean or an object');
    expect(() => measure(() => 1, { sites: { samplingInterval: 0 } })).toThrow('sites.samplingInterval must be an integer of 1 or more');
  });

  test('sites cannot be recorded while the tracer is tracing; fn is not called', () => {
    start();
    let calls = 0;
    try {
      expect(() => measure(() => calls++, { sites: true })).toThrow('cannot record allocation sites while the tracer is tracing');
      expect(calls).toBe(0);
    } finally {
      stop();
    }
  });
});

function allocatesObjects(): unknown[] {
  const out = [];
  for (let i = 0; i < 30000; i++) out.push({ i, j: i });
  return out;
}

describe('measure() sites', () => {
  test('names the allocating function at its TypeScript line, per call, without tracer or Node frames', () => {
    const m = measure(allocatesObjects, { runs: 2, sites: true });
    const top = m.sites![0]!;
    expect(top.traceback.mostRecent!.filename).toBe(__filename);
    expect(top.traceback.mostRecent!.lineno).toBe(lineOf(__filename, 'function allocatesObjects('));
    expect(top.traceback.mostRecent!.functionName).toBe('allocatesObjects');
    // The profiler and GC accounting watch the same calls; the accounting reads 0.5-5% more while
    // the profiler samples every allocation (on every line from Node 20 to 26).
    expect(Math.abs(top.size - m.heap) / m.heap).toBeLessThan(0.06);
    for (const site of m.sites!) {
      expect(site.traceback.mostRecent!.filename).not.toMatch(/^node:|[\\/]src[\\/]core[\\/]/);
    }
  });

  test('hideFrame attributes allocations to the caller of hidden functions', () => {
    const m = measure(() => allocatesObjects(), { sites: { hideFrame: (f) => f.functionName === 'allocatesObjects' } });
    expect(m.sites![0]!.traceback.mostRecent!.functionName).not.toBe('allocatesObjects');
    expect(m.sites![0]!.traceback.mostRecent!.filename).toBe(__filename);
  });
});
