// Exact mode (sampling interval 1) on the seed's list-building workload: what V8's stack depth costs.
// The inspector's sampler always walks 128 frames; Node 25+'s v8.startHeapProfile() takes a
// stackDepth, which could be tracemalloc's nframe (1 by default). The other V8 API that sees every
// allocation, the allocation tracker (HeapProfiler.startTrackingHeapObjects with trackAllocations,
// read only through a heap snapshot), runs beside them for comparison. Each variant runs in a fresh
// process of the Node that runs this script; figures are medians per call, as ratios to untraced.
// Then, on Node 25+, what one sample costs at the Jest environment's sites interval (32 KiB) with
// 10, 60 or 150 frames on the stack, keeping 1, 32 or 128 of them (a ts-jest worker's stacks reach
// past 128 frames while modules load).
//
//   node bench/exact-mode.mjs [--quick] [--json]   # any Node; the stackDepth rows need Node 25+
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const REPS = quick ? 3 : 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs this script again in a fresh process of the same Node; returns its last line of JSON. */
function runChild(what, nodeArgs, args) {
  const child = spawnSync(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', timeout: 600_000 });
  if (child.status !== 0) throw new Error(`${what}: exit ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

if (process.argv[2] === '--child-depth') {
  // One process per stack depth; the kept depths interleaved over 5 rounds, medians.
  const onStack = Number(process.argv[3]);
  let sink;
  const allocate = (count) => {
    for (let i = 0; i < count; i++) {
      const item = { i, pair: [i, i] };
      if ((i & 1023) === 0) sink = item;
    }
    return sink;
  };
  const nested = (depth, count) => (depth === 0 ? allocate(count) : nested(depth - 1, count));
  const COUNT = 2_000_000; // about 1 GB over the 5 calls of a run: some 30,000 samples at 32 KiB
  const run = (stackDepth) => {
    const handle = stackDepth && v8.startHeapProfile({ sampleInterval: 32768, stackDepth, forceGC: false, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const started = performance.now();
    for (let k = 0; k < 5; k++) nested(onStack, COUNT);
    const ms = performance.now() - started;
    return { ms, samples: handle ? JSON.parse(handle.stop()).samples.length : 0 };
  };
  run(0);
  run(0);
  const kept = [0, 1, 32, 128];
  const runs = Object.fromEntries(kept.map((depth) => [depth, []]));
  for (let round = 0; round < 5; round++) for (const depth of kept) runs[depth].push(run(depth));
  const medianMs = (list) => median(list.map((r) => r.ms));
  const untraced = medianMs(runs[0]);
  const usPerSample = Object.fromEntries(kept.slice(1).map((depth) => [depth, ((medianMs(runs[depth]) - untraced) * 1000) / runs[depth][0].samples]));
  console.log(JSON.stringify(usPerSample));
  process.exit(0);
}

if (process.argv[2] === '--child') {
  const [, , , variant, reps] = process.argv;
  const { Session } = await import('node:inspector');
  // The seed's workload: three lists of 15000 objects, strings and small arrays.
  const workload = () => {
    const objs = [], strs = [], arrs = [];
    for (let n = 0; n < 15000; n++) {
      objs.push({ n });
      strs.push('s' + n);
      arrs.push([n, n * n]);
    }
    return [objs, strs, arrs];
  };
  for (let i = 0; i < 5; i++) workload(); // warm code before the profiler starts
  let stop = () => {};
  /** The inspector's HeapProfiler, enabled on a session of this thread. */
  const heapProfiler = () => {
    const session = new Session();
    session.connect();
    const post = (method, params) => session.post(method, params, () => {});
    post('HeapProfiler.enable');
    return post;
  };
  if (variant === 'inspector') {
    const post = heapProfiler();
    post('HeapProfiler.startSampling', { samplingInterval: 1 });
    stop = () => post('HeapProfiler.stopSampling');
  } else if (variant === 'tracker') {
    const post = heapProfiler();
    post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    stop = () => post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
  } else if (variant.startsWith('depth')) {
    const handle = v8.startHeapProfile({ sampleInterval: 1, stackDepth: Number(variant.slice(5)), forceGC: false });
    stop = () => handle.stop();
  }
  const times = [];
  for (let i = 0; i < Number(reps); i++) {
    globalThis.gc?.();
    const started = performance.now();
    workload();
    times.push(performance.now() - started);
  }
  stop();
  console.log(JSON.stringify({ median: median(times) }));
  process.exit(0);
}

const variants = ['untraced', 'inspector', 'tracker', ...(typeof v8.startHeapProfile === 'function' ? ['depth128', 'depth1'] : [])];
const medians = {};
for (const variant of variants) {
  const runs = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    // untraced calls are short: many more of them for a steady median
    const reps = variant === 'untraced' ? REPS * 10 : REPS;
    runs.push(runChild(variant, ['--expose-gc'], ['--child', variant, String(reps)]).median);
  }
  medians[variant] = median(runs);
}
const ratio = (variant) => medians[variant] / medians.untraced;
const labels = {
  inspector: 'inspector, stack depth 128 (what start() uses)',
  tracker: 'allocation tracker (read by heap snapshot)',
  depth128: 'v8.startHeapProfile, stackDepth 128',
  depth1: 'v8.startHeapProfile, stackDepth 1',
};
console.log(`Exact mode (interval 1) on Node ${process.version}: seed workload, median per call; untraced ${medians.untraced.toFixed(2)} ms`);
for (const variant of variants.slice(1)) console.log(`  ${labels[variant].padEnd(48)} ${ratio(variant).toFixed(0)}x (${medians[variant].toFixed(0)} ms)`);
if (!variants.includes('depth1')) console.log('  (no v8.startHeapProfile on this line: Node 25+)');

const perSample = {};
if (typeof v8.startHeapProfile === 'function') {
  console.log('One sample at 32 KiB (the environment\'s sites), us, by frames on the stack and frames kept:');
  console.log(`  ${'on the stack'.padEnd(14)} ${['keep 1', 'keep 32', 'keep 128'].map((h) => h.padStart(9)).join('')}`);
  for (const onStack of quick ? [60] : [10, 60, 150]) {
    perSample[onStack] = runChild(`depth ${onStack}`, [], ['--child-depth', String(onStack)]);
    console.log(`  ${String(onStack).padEnd(14)} ${[1, 32, 128].map((kept) => perSample[onStack][kept].toFixed(1).padStart(9)).join('')}`);
  }
}
if (asJson) console.log(JSON.stringify({ node: process.version, medians, perSample }));
