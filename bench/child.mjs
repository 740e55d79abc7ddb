// One benchmark variant, run in a fresh Node process by bench/run.mjs so that JIT and heap state
// never leak from one variant into another. Usage: node --expose-gc bench/child.mjs <task> '<json>'.
// Prints one line of JSON on stdout.
import { createRequire } from 'node:module';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const tm = require('../build');

const [task, rawArgs = '{}'] = process.argv.slice(2);
const args = JSON.parse(rawArgs);

const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

// ---------------------------------------------------------------------------------------------
// Workloads

const LIST_N = 15000;

/** The seed's list-building workload: three lists of 15000 objects, strings and small arrays. */
function listWorkload() {
  const objs = [];
  const strs = [];
  const arrs = [];
  for (let n = 0; n < LIST_N; n++) {
    objs.push({ n });
    strs.push('s' + n);
    arrs.push([n, n * n]);
  }
  return [objs, strs, arrs];
}

// A module-level ring: what is stored here escapes (no escape analysis, no dead-store elimination)
// but is overwritten 64 stores later, so every object dies young.
const ring = new Array(64).fill(null);
/** Same allocations as listWorkload (minus the lists), but every object dies young. */
function churnWorkload() {
  for (let n = 0; n < LIST_N; n++) {
    ring[(3 * n) & 63] = { n };
    ring[(3 * n + 1) & 63] = 's' + n;
    ring[(3 * n + 2) & 63] = [n, n * n];
  }
  return null;
}

const SPEED_WORKLOADS = { keep: listWorkload, churn: churnWorkload };

// Totals workloads (part 2); each function has its own name so samples can be found by stack.
const T_N = 20000;
const EXT_N = 1000;
const TOTALS_WORKLOADS = {
  objects: {
    fn: function wlObjects() {
      const a = new Array(T_N);
      for (let i = 0; i < T_N; i++) a[i] = { i, j: i + 1 };
      return a;
    },
    external: 0,
  },
  strings: {
    fn: function wlStrings() {
      const a = new Array(T_N);
      for (let i = 0; i < T_N; i++) a[i] = 'str' + i;
      return a;
    },
    external: 0,
  },
  arrays: {
    fn: function wlArrays() {
      const a = new Array(T_N);
      for (let i = 0; i < T_N; i++) a[i] = [i, i * i, i + 1];
      return a;
    },
    external: 0,
  },
  typedArrays: {
    fn: function wlTyped() {
      const a = new Array(EXT_N);
      for (let i = 0; i < EXT_N; i++) a[i] = new Float64Array(1024);
      return a;
    },
    external: EXT_N * 1024 * 8,
  },
  buffers: {
    fn: function wlBuffers() {
      const a = new Array(EXT_N);
      for (let i = 0; i < EXT_N; i++) a[i] = Buffer.alloc(8192);
      return a;
    },
    external: EXT_N * 8192,
  },
};

// The known allocation site of part 3: everything it allocates stays reachable from its result.
const SITE_N = 40000;
function knownSite() {
  const out = new Array(SITE_N);
  for (let i = 0; i < SITE_N; i++) out[i] = { id: i, name: 'item' + i };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

let session;
function post(method, params) {
  if (!session) {
    session = new Session();
    session.connect();
  }
  let result;
  let failure = null;
  let done = false;
  session.post(method, params, (error, value) => {
    failure = error;
    result = value;
    done = true;
  });
  if (!done) throw new Error(`${method} did not complete synchronously`);
  if (failure) throw failure;
  return result;
}

/**
 * Ground truth from the raw sampling heap profiler at interval 1 (every allocation recorded), with
 * dead objects kept when `garbage`: the bytes of all samples taken while `fn` ran, except those of
 * the inspector calls that start and stop the profiler. (Selecting samples by `fn` in their stack
 * would be wrong now and then: V8 sometimes drops the innermost optimized frame from the sample's
 * stack and charges the caller instead.)
 */
function profileTruth(fn, garbage, { scavengeOnly = false } = {}) {
  // measure() calls fn after a scavenge only: V8's caches (number strings, the string table) still
  // hold the call before's strings, which a full GC would clear; its truth is taken the same way
  if (scavengeOnly) gc({ type: 'minor' });
  else gc();
  post('HeapProfiler.enable');
  post('HeapProfiler.startSampling', {
    samplingInterval: 1,
    includeObjectsCollectedByMajorGC: garbage,
    includeObjectsCollectedByMinorGC: garbage,
  });
  let result = fn();
  if (!garbage) gc(); // live objects only: what fn's result keeps reachable
  const { profile } = post('HeapProfiler.stopSampling');
  result = null;
  const parent = new Map();
  const byId = new Map();
  const stack = [[profile.head, null]];
  while (stack.length > 0) {
    const [node, up] = stack.pop();
    byId.set(node.id, node);
    parent.set(node.id, up);
    for (const child of node.children) stack.push([child, node]);
  }
  const overhead = new Map();
  const isOverhead = (id) => {
    if (overhead.has(id)) return overhead.get(id);
    let found = false;
    for (let node = byId.get(id); node; node = parent.get(node.id)) {
      const { url, functionName } = node.callFrame;
      if (url === 'node:inspector' || (url === import.meta.url && functionName === 'post')) {
        found = true;
        break;
      }
    }
    overhead.set(id, found);
    return found;
  };
  let bytes = 0;
  let count = 0;
  let fnBytes = 0; // the part whose stack names fn
  for (const sample of profile.samples) {
    if (isOverhead(sample.nodeId)) continue;
    bytes += sample.size;
    count += 1;
    for (let node = byId.get(sample.nodeId); node; node = parent.get(node.id)) {
      if (node.callFrame.functionName === fn.name) {
        fnBytes += sample.size;
        break;
      }
    }
  }
  return { bytes, count, fnBytes };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function siteStat(snapshot, name) {
  return snapshot.statistics('lineno').find((s) => s.traceback.mostRecent?.functionName === name);
}

// ---------------------------------------------------------------------------------------------
// Tasks

const tasks = {
  /**
   * Part 1: wall time of the workload untraced or traced at one interval, then of takeSnapshot().
   * Snapshots are timed after the workload runs, not between them: reading the sampling profile
   * makes the allocations that follow it slower for a while (seen at 32768 B: 1.3 -> 1.9 ms).
   */
  speed({ interval, workload, warmup, settle, reps, snapshotReps }) {
    const fn = SPEED_WORKLOADS[workload];
    let result;
    for (let i = 0; i < warmup; i++) result = fn();
    result = null;
    gc();
    let startMs = null;
    if (interval !== null) {
      const t = performance.now();
      tm.start({ samplingInterval: interval });
      startMs = performance.now() - t;
      for (let i = 0; i < settle; i++) result = fn(); // let deopts after start() settle, untimed
      result = null;
    }
    const runMs = [];
    for (let i = 0; i < reps; i++) {
      if (interval !== null) tm.clearTraces(); // untimed: full GC and a fresh profile per rep
      else gc();
      const t0 = performance.now();
      result = fn();
      runMs.push(performance.now() - t0);
      result = null;
    }
    const snapshotMs = [];
    let traces = 0;
    for (let i = 0; interval !== null && i < snapshotReps; i++) {
      tm.clearTraces();
      result = fn();
      const t0 = performance.now();
      const snapshot = tm.takeSnapshot();
      snapshotMs.push(performance.now() - t0);
      traces = snapshot.traces.length;
      result = null;
    }
    tm.stop();
    // what one call allocates, for the record (untraced variant only)
    const allocated = interval === null ? tm.measure(fn, { warmup: 3, runs: 3 }).allocated : null;
    return { runMs, snapshotMs, startMs, traces, allocated };
  },

  /** Part 2: measure() totals against the profiler's ground truth and known external sizes. */
  totals({ warmup, truthReps, measureReps }) {
    const out = {};
    // First the cold figure: one measure() with default options (warmup 1) per fresh function.
    for (const [name, { fn }] of Object.entries(TOTALS_WORKLOADS)) out[name] = { cold: tm.measure(fn) };
    for (const [name, { fn, external }] of Object.entries(TOTALS_WORKLOADS)) {
      for (let i = 0; i < warmup; i++) fn();
      const truth = [];
      for (let i = 0; i < truthReps; i++) truth.push(profileTruth(fn, true, { scavengeOnly: true }).bytes);
      const measured = [];
      for (let i = 0; i < measureReps; i++) {
        const m = tm.measure(fn, { warmup: 1 });
        measured.push({ heap: m.heap, external: m.external, allocated: m.allocated });
      }
      Object.assign(out[name], { truthHeap: median(truth), truthHeapAll: truth, truthExternal: external, measured });
    }
    return out;
  },

  /** Part 3: the tracer's estimate for one known function, at one interval, over several runs. */
  sites({ interval, runs, warmup, truthReps }) {
    let held;
    for (let i = 0; i < warmup; i++) held = knownSite();
    held = null;
    const truths = [];
    const traffic = [];
    for (let i = 0; i < truthReps; i++) {
      truths.push(profileTruth(knownSite, false).bytes);
      traffic.push(profileTruth(knownSite, true).bytes);
    }
    const snapshot = { size: [], count: [], caller: [] };
    for (let i = 0; i < runs; i++) {
      tm.start({ samplingInterval: interval });
      held = knownSite();
      const stats = tm.takeSnapshot().statistics('lineno');
      tm.stop();
      held = null;
      const own = stats.find((s) => s.traceback.mostRecent?.functionName === 'knownSite');
      // V8 now and then loses the innermost frame and charges the caller (this function).
      const caller = stats.find((s) => s.traceback.mostRecent?.functionName === 'sites');
      snapshot.size.push(own ? own.size : 0);
      snapshot.count.push(own ? own.count : 0);
      snapshot.caller.push(caller ? caller.size : 0);
    }
    // measure({ sites }) gives per-call figures of allocation traffic (here the same bytes).
    const measured = [];
    for (let i = 0; i < runs; i++) {
      const m = tm.measure(knownSite, { warmup: 0, sites: { samplingInterval: interval } });
      const own = m.sites.find((s) => s.traceback.mostRecent?.functionName === 'knownSite');
      measured.push(own ? own.size : 0);
    }
    return { truth: median(truths), truths, truthTraffic: median(traffic), traffic, snapshot, measured };
  },

  /** Part 3: run-to-run spread of measure().allocated for the unchanged list workload. */
  spread({ runs, warmups }) {
    const out = {};
    for (const warmup of warmups) {
      const allocated = [];
      for (let i = 0; i < runs; i++) allocated.push(tm.measure(listWorkload, { warmup }).allocated);
      out[warmup] = allocated;
    }
    return out;
  },
};

if (!tasks[task]) throw new Error(`unknown task ${task}`);
process.stdout.write(JSON.stringify(tasks[task](args)) + '\n');
