// Benchmark of jest-tracemalloc: tracing slowdown, precision of totals and of sampled sites, and
// Python's tracemalloc on the same workload, printed side by side as ratios (the machine may be
// shared and noisy: every figure is a median over repetitions, slowdowns are ratios of medians).
//
//   npm run bench              # build, then the full bench (about 2 minutes)
//   node bench/run.mjs --quick # fewer repetitions, for smoke testing (needs a built build/)
//
// Every variant runs in a fresh child process (bench/child.mjs, bench/python_tracemalloc.py) so
// that JIT and heap state never leak from one variant into another.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const began = Date.now();

if (!existsSync(join(here, '..', 'build', 'index.js'))) {
  console.error('build/ is missing: run `npm run build` first (or `npm run bench`)');
  process.exit(1);
}

const INTERVALS = [1, 512, 4096, 32768, 65536];
const config = quick
  ? { rounds: 1, warmup: 3, settle: 1, reps: { untraced: 15, 1: 2, 512: 3, other: 8 }, snapshotReps: 1, pyReps: 2, siteRuns: 3, spreadRuns: 3 }
  : { rounds: 3, warmup: 5, settle: 2, reps: { untraced: 40, 1: 3, 512: 6, other: 20 }, snapshotReps: 2, pyReps: 3, siteRuns: 5, spreadRuns: 5 };

// ---------------------------------------------------------------------------------------------
// Child processes

const failures = [];

function runJson(command, argv, label, timeout = 120_000) {
  const result = spawnSync(command, argv, { cwd: here, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  const lines = (result.stdout ?? '').trim().split('\n');
  try {
    if (result.status !== 0) throw new Error(result.error?.message ?? `exit ${result.status ?? result.signal}`);
    return JSON.parse(lines[lines.length - 1]);
  } catch (error) {
    const detail = (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    failures.push(`${label}: ${error.message}${detail ? ` (${detail})` : ''}`);
    return null;
  }
}

function node(task, args, flags = []) {
  return runJson(process.execPath, ['--expose-gc', ...flags, join(here, 'child.mjs'), task, JSON.stringify(args)], `node ${task} ${JSON.stringify(args)}`);
}

function findPython() {
  for (const candidate of ['python3', 'python']) {
    const probe = spawnSync(candidate, ['-c', 'import sys, tracemalloc; print(sys.version.split()[0])'], { encoding: 'utf8' });
    if (probe.status === 0 && /^3\./.test(probe.stdout.trim())) return { command: candidate, version: probe.stdout.trim() };
  }
  return null;
}

function python(py, args) {
  return runJson(py.command, [join(here, 'python_tracemalloc.py'), JSON.stringify(args)], `python ${JSON.stringify(args)}`);
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}
const median = (xs) => quantile(xs, 0.5);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
function cv(xs) {
  const m = mean(xs);
  return m === 0 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1 || 1)) / m;
}
const errPct = (value, truth) => ((value - truth) / truth) * 100;

const fmtMs = (ms) => (!Number.isFinite(ms) ? '-' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtX = (x) => (!Number.isFinite(x) ? '-' : x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(2)}x`);
const fmtPct = (p) => (!Number.isFinite(p) ? '-' : `${p >= 0 ? '+' : ''}${Math.abs(p) >= 10 ? p.toFixed(1) : p.toFixed(2)}%`);
const fmtBytes = (b) => (!Number.isFinite(b) ? '-' : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
const fmtRange = (lo, hi, f) => `${f(lo)}..${f(hi)}`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const log = (...args) => process.stderr.write(`${args.join(' ')}\n`);

// ---------------------------------------------------------------------------------------------
// 1 + 4. Slowdown

const py = findPython();
const load0 = loadavg()[0];

log(`[bench] ${quick ? 'quick' : 'full'} run: slowdown (${config.rounds} round(s) of fresh processes per variant)`);
const WORKLOADS = ['keep', 'churn'];
const speed = new Map(); // key -> { runMs: [], snapshotMs: [], startMs: [] }
const pool = (key, result) => {
  if (!result) return;
  const entry = speed.get(key) ?? { runMs: [], snapshotMs: [], startMs: [] };
  entry.runMs.push(...result.runMs);
  entry.snapshotMs.push(...(result.snapshotMs ?? []));
  if (result.startMs != null) entry.startMs.push(result.startMs);
  if (result.allocated != null) (entry.allocated ??= []).push(result.allocated);
  speed.set(key, entry);
};

const nodeVariants = [null, ...INTERVALS];
const pyVariants = [null, 1, 25];
for (let round = 0; round < config.rounds; round++) {
  // alternate the order, so that a slow patch of the machine does not always hit the same variant
  const order = round % 2 === 0 ? nodeVariants : [...nodeVariants].reverse();
  for (const interval of order) {
    for (const workload of WORKLOADS) {
      const reps = interval === null ? config.reps.untraced : (config.reps[interval] ?? config.reps.other);
      pool(`node:${interval}:${workload}`, node('speed', { interval, workload, warmup: config.warmup, settle: config.settle, reps, snapshotReps: workload === 'keep' ? config.snapshotReps : 0 }));
    }
  }
  if (py) {
    for (const nframe of round % 2 === 0 ? pyVariants : [...pyVariants].reverse()) {
      for (const workload of WORKLOADS) {
        const reps = nframe === null ? config.reps.untraced : config.pyReps;
        pool(`py:${nframe}:${workload}`, python(py, { nframe, workload, warmup: 2, reps, snapshotReps: workload === 'keep' ? config.snapshotReps : 0 }));
      }
    }
  }
  log(`[bench]   round ${round + 1}/${config.rounds} done (${((Date.now() - began) / 1000).toFixed(0)} s)`);
}

// ---------------------------------------------------------------------------------------------
// 2. Precision of totals

log('[bench] precision of measure() totals');
const totals = node('totals', { warmup: 20, truthReps: quick ? 2 : 3, measureReps: quick ? 3 : 7 });

// ---------------------------------------------------------------------------------------------
// 3. Precision of sampled sites, run-to-run spread

log('[bench] precision of sampled sites and run-to-run spread');
const SITE_INTERVALS = [1, 4096, 32768];
const sites = SITE_INTERVALS.map((interval) => ({
  label: String(interval),
  result: node('sites', { interval, runs: config.siteRuns, warmup: 10, truthReps: quick ? 1 : 3 }),
}));
sites.push({
  label: '32768 fixed*',
  result: node('sites', { interval: 32768, runs: config.siteRuns, warmup: 10, truthReps: 1 }, ['--sampling-heap-profiler-suppress-randomness']),
});
const spread = [1, 10].map((warmup) => ({ warmup, result: node('spread', { runs: config.spreadRuns, warmups: [warmup] }) }));

// ---------------------------------------------------------------------------------------------
// Report

const out = [];
const say = (s = '') => out.push(s);
const v8 = process.versions.v8;
say(`jest-tracemalloc bench (${quick ? 'QUICK: few reps, figures are rough' : 'full'}) - Node ${process.version} (V8 ${v8})` +
  `${py ? `, Python ${py.version}` : ''}, ${cpus().length} CPUs, load ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
say();

// --- 1 + 4
say('1. Slowdown: the seed workload (3 lists x 15000: {n}, "s"+n, [n, n*n]), median ms per call, ratio to untraced');
const allocatedBy = (workload) => fmtBytes(median(speed.get(`node:null:${workload}`)?.allocated ?? []));
say(`   keep = the three lists are returned (alive until the call ends; ${allocatedBy('keep')} per call by measure());`);
say(`   churn = same objects stored in a 64-slot ring, each dies young (${allocatedBy('churn')} per call).`);
say('   Each variant in fresh processes; ratio = median traced / median untraced (same language).');
const base = (lang, workload) => median(speed.get(`${lang}:null:${workload}`)?.runMs ?? []);
// the spread of one variant's calls, as ratios to the untraced median: p25..p75
const band = (entry, b) => (entry ? fmtRange(quantile(entry.runMs, 0.25) / b, quantile(entry.runMs, 0.75) / b, fmtX) : '-');
const speedRows = [];
const ratios = {};
for (const interval of nodeVariants) {
  const row = [interval === null ? 'node untraced' : `node start({samplingInterval: ${interval}})`];
  for (const workload of WORKLOADS) {
    const entry = speed.get(`node:${interval}:${workload}`);
    const ms = median(entry?.runMs ?? []);
    const x = ms / base('node', workload);
    ratios[`node:${interval}:${workload}`] = x;
    row.push(fmtMs(ms), interval === null ? '1' : fmtX(x), band(entry, base('node', workload)));
  }
  const keepEntry = speed.get(`node:${interval}:keep`);
  row.push(interval === null ? '' : fmtMs(median(keepEntry?.snapshotMs ?? [])), interval === null ? '' : fmtMs(median(keepEntry?.startMs ?? [])));
  speedRows.push(row);
}
if (py) {
  for (const nframe of pyVariants) {
    const row = [nframe === null ? 'python untraced' : `python tracemalloc.start(${nframe})`];
    for (const workload of WORKLOADS) {
      const entry = speed.get(`py:${nframe}:${workload}`);
      const ms = median(entry?.runMs ?? []);
      const x = ms / base('py', workload);
      ratios[`py:${nframe}:${workload}`] = x;
      row.push(fmtMs(ms), nframe === null ? '1' : fmtX(x), band(entry, base('py', workload)));
    }
    row.push(nframe === null ? '' : fmtMs(median(speed.get(`py:${nframe}:keep`)?.snapshotMs ?? [])), '');
    speedRows.push(row);
  }
}
say(table(['variant', 'keep ms', 'keep x', 'p25..p75', 'churn ms', 'churn x', 'p25..p75', 'snapshot ms', 'start ms'], speedRows));
say('   snapshot ms = takeSnapshot() (Python: take_snapshot()) with the kept lists alive, full GC included;');
say('   timed apart from the runs (reading the sampling profile slows the allocations right after it).');
if (!py) say('   Python rows skipped: no python3 with tracemalloc found on PATH.');
say();

// --- 2
say('2. Precision of measure() totals (GC accounting) against ground truth, per call');
say('   truth heap = raw sampling heap profiler at interval 1 with objects collected by major/minor GC kept');
say('   (sum of sample sizes, median of runs); truth external = the known byteLength sum.');
say('   measure(fn) err = median of several warm calls (min..max); cold = first measure(fn) in the process.');
say('   Truth and measure() both call fn after a scavenge only. strings reads low because the profiler changes');
say("   what it counts: with it on, 'str' + i misses V8's number-to-string cache, which the call before had filled");
say('   (20,000 strings: 813 KiB per call unprofiled, 1.14 MiB profiled, GC accounting and profiler agreeing on both).');
const totalsRows = [];
const totalsErr = {};
if (totals) {
  for (const [name, t] of Object.entries(totals)) {
    const heapErr = t.measured.map((m) => errPct(m.heap, t.truthHeap));
    const extErr = t.truthExternal ? t.measured.map((m) => errPct(m.external, t.truthExternal)) : [];
    const totalTruth = t.truthHeap + t.truthExternal;
    const allErr = t.measured.map((m) => errPct(m.allocated, totalTruth));
    totalsErr[name] = { heap: median(heapErr), all: median(allErr), maxAbs: Math.max(...allErr.map(Math.abs)), extMaxAbs: Math.max(0, ...extErr.map(Math.abs)) };
    totalsRows.push([
      name,
      fmtBytes(t.truthHeap),
      fmtBytes(median(t.measured.map((m) => m.heap))),
      fmtPct(median(heapErr)),
      fmtRange(Math.min(...heapErr), Math.max(...heapErr), fmtPct),
      t.truthExternal ? fmtBytes(t.truthExternal) : '-',
      t.truthExternal ? fmtPct(median(extErr)) : '-',
      fmtPct(median(allErr)),
      fmtPct(errPct(t.cold.allocated, totalTruth)),
    ]);
  }
  say(table(['workload', 'truth heap', 'measured heap', 'heap err', 'heap err min..max', 'truth ext', 'ext err', 'total err', 'cold err'], totalsRows));
} else say('   (failed, see below)');
say();

// --- 3
say('3. Precision of sampled sites: knownSite() = 40000 x { id, name: "item" + i } in a new Array(40000)');
say('   snapshot = takeSnapshot().statistics("lineno") entry of knownSite while its result is alive, vs');
say('   truth live = raw profiler at interval 1, live objects only; one start()/stop() per run.');
say('   measure sites = measure(knownSite, {sites: {samplingInterval}}) entry, vs truth traffic (garbage');
say('   included: "item" + i also makes a number string that dies).');
say('   * fixed = --sampling-heap-profiler-suppress-randomness (deterministic sampling).');
const siteRows = [];
const siteSummary = {};
for (const { label, result } of sites) {
  if (!result) {
    siteRows.push([label, 'failed']);
    continue;
  }
  const errs = result.snapshot.size.map((s) => errPct(s, result.truth));
  const mErrs = result.measured.map((s) => errPct(s, result.truthTraffic));
  siteSummary[label] = { median: median(errs), maxAbs: Math.max(...errs.map(Math.abs)), cv: cv(result.snapshot.size), mMaxAbs: Math.max(...mErrs.map(Math.abs)) };
  siteRows.push([
    label,
    fmtBytes(result.truth),
    fmtBytes(median(result.snapshot.size)),
    fmtPct(median(errs)),
    fmtRange(Math.min(...errs), Math.max(...errs), fmtPct),
    fmtPct(cv(result.snapshot.size) * 100).replace('+', ''),
    String(median(result.snapshot.count)),
    result.snapshot.caller.some((c) => c > 0) ? fmtBytes(Math.max(...result.snapshot.caller)) : '0',
    fmtBytes(result.truthTraffic),
    fmtPct(median(mErrs)),
    fmtRange(Math.min(...mErrs), Math.max(...mErrs), fmtPct),
  ]);
}
say(table(['interval', 'truth live', 'snapshot', 'err', 'err min..max', 'CV', 'samples', 'to caller', 'truth traffic', 'measure sites err', 'min..max'], siteRows));
say('   to caller = most bytes one run charged to the calling function instead (V8 dropping the innermost frame).');
say();
say(`   Run-to-run spread of measure(listWorkload).allocated, ${config.spreadRuns} calls in one fresh process:`);
const spreadRows = [];
for (const { warmup, result } of spread) {
  const xs = result?.[warmup];
  if (!xs) {
    spreadRows.push([`warmup ${warmup}`, 'failed']);
    continue;
  }
  spreadRows.push([`warmup ${warmup}${warmup === 1 ? ' (default)' : ''}`, fmtBytes(median(xs)), fmtBytes(Math.min(...xs)), fmtBytes(Math.max(...xs)), fmtPct(((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100).replace('+', ''), fmtPct(cv(xs) * 100).replace('+', '')]);
}
say(table(['   measure options', 'median', 'min', 'max', '(max-min)/median', 'CV'], spreadRows));
say();

// --- Summary
say('Summary');
const keepX = (iv) => ratios[`node:${iv}:keep`];
const churnX = (iv) => ratios[`node:${iv}:churn`];
const worst = (iv) => Math.max(keepX(iv), churnX(iv));
const fast = INTERVALS.filter((iv) => worst(iv) <= 1.5);
say(`- Exact mode (samplingInterval 1, the default) costs ${fmtX(keepX(1))} on the kept lists and ${fmtX(churnX(1))} when objects die young` +
  (py ? `; Python's tracemalloc costs ${fmtX(ratios['py:1:keep'])} / ${fmtX(ratios['py:1:churn'])} with 1 frame and ${fmtX(ratios['py:25:keep'])} / ${fmtX(ratios['py:25:churn'])} with 25 in this run.` : '.'));
if (py) {
  const beats = keepX(1) < ratios['py:1:keep'] && churnX(1) < ratios['py:1:churn'];
  say(`  Exact mode ${beats ? 'beats' : 'does NOT beat'} Python's 1-frame tracemalloc (reference: 13x; 37x with 25 frames).` +
    ` In absolute time the traced JS call takes ${fmtMs(median(speed.get('node:1:keep')?.runMs ?? []))} ms vs Python's ${fmtMs(median(speed.get('py:1:keep')?.runMs ?? []))} ms.`);
}
say(`- Sampled: ${INTERVALS.slice(1).map((iv) => `${iv} B -> ${fmtX(keepX(iv))}/${fmtX(churnX(iv))}`).join(', ')} (keep/churn).`);
say(`  Fastest setting within 1.5x on both workloads: ${fast.length ? `${fast[0]} B` : 'none in this run'}.` +
  (siteSummary['32768'] ? ` At 32768 B one site of ${fmtBytes(sites[2].result.truth)} was off by up to ${siteSummary['32768'].maxAbs.toFixed(0)}% (CV ${(siteSummary['32768'].cv * 100).toFixed(0)}%);` : '') +
  (siteSummary['4096'] ? ` at 4096 B up to ${siteSummary['4096'].maxAbs.toFixed(0)}% (CV ${(siteSummary['4096'].cv * 100).toFixed(0)}%).` : ''));
if (totals) {
  const worstTotal = Object.entries(totalsErr).sort((a, b) => b[1].maxAbs - a[1].maxAbs)[0];
  say(`- measure() totals: median error ${Object.entries(totalsErr).map(([n, e]) => `${n} ${fmtPct(e.all)}`).join(', ')};` +
    ` worst single call ${worstTotal[0]} ${worstTotal[1].maxAbs.toFixed(1)}% off;` +
    ` external bytes off by at most ${Math.max(...Object.values(totalsErr).map((e) => e.extMaxAbs)).toFixed(3)}%.`);
}
const spread1 = spread[0].result?.[1];
if (spread1) say(`- measure() run-to-run (default warmup): ${fmtPct(((Math.max(...spread1) - Math.min(...spread1)) / median(spread1)) * 100).replace('+', '')} between min and max over ${spread1.length} calls.`);
say(`- Wall time of the bench: ${((Date.now() - began) / 1000).toFixed(0)} s.`);
if (failures.length) {
  say();
  say('FAILURES');
  for (const f of failures) say(`- ${f}`);
}
console.log(out.join('\n'));
process.exitCode = failures.length ? 1 : 0;
