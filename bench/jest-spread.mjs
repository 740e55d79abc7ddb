// The run-to-run spread of the figures baselines compare, in real Jest workers on the Node that
// runs this script: 13 workloads (bench/fixtures), two copies of each file, 2 workers, the preset;
// the matchers' figure (smallest of 5 calls after 2 warm-up) and the figure of a test body run once
// (the report's, and what baselines.everyTest compares). The bodies' baselines are written by the
// first run and compared in the others, so a false failure fails that run.
//
//   node bench/jest-spread.mjs [--quick] [--json]   # after a build; node-lines.mjs runs it per line
//   node --no-concurrent-recompilation bench/jest-spread.mjs   # Node's flags reach Jest's workers
//
// --json prints one line { node, runs, failures, matchers: { name: [lo, hi] }, bodies: {...} }.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinned, project, root } from './jest-project.mjs';
import { BODIES, MATCHERS, beyondTolerance } from './tolerance.mjs';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const SPREAD_RUNS = quick ? 2 : 8;
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

log(`spread of the compared figures on Node ${process.version}, ${SPREAD_RUNS} runs of 2 x 2 files x 13 workloads`);
const spreadProject = project('spread', [pinned('jest')]);
copyFileSync(join(root, 'bench', 'fixtures', 'workloads.js'), join(spreadProject, 'workloads.js'));
for (const copy of ['a', 'b']) {
  copyFileSync(join(root, 'bench', 'fixtures', 'workloads.test.js'), join(spreadProject, `${copy}.test.js`));
  copyFileSync(join(root, 'bench', 'fixtures', 'bodies.test.js'), join(spreadProject, `${copy}.bodies.test.js`));
}
// The bodies run with everyTest, as their figures are compared (allocation buffers bounded). The
// matchers' files run without it: their tests call measure(), whose calls no baseline keeps.
writeFileSync(
  join(spreadProject, 'jest.config.js'),
  `module.exports = ${JSON.stringify({
    reporters: ['default', 'jest-tracemalloc/reporter'],
    projects: [
      { displayName: 'matchers', preset: 'jest-tracemalloc', testMatch: ['<rootDir>/?.test.js'] },
      { displayName: 'bodies', preset: 'jest-tracemalloc', testMatch: ['<rootDir>/*.bodies.test.js'], testEnvironmentOptions: { tracemalloc: { baselines: { everyTest: true } } } },
    ],
  })};\n`,
);
const spreadOut = join(spreadProject, 'figures.jsonl');
const spread = new Map();
const bodySpread = new Map();
const failures = [];
for (let i = 0; i < SPREAD_RUNS; i++) {
  // Node's flags of this script go to Jest, whose workers inherit them
  const run = spawnSync(process.execPath, [...process.execArgv, join(spreadProject, 'node_modules', 'jest', 'bin', 'jest.js'), '-w', '2', '--ci=false'], {
    cwd: spreadProject,
    encoding: 'utf8',
    env: { ...process.env, SPREAD_OUT: spreadOut },
  });
  if (run.status !== 0) failures.push(`spread: run ${i + 1} failed\n${run.stderr.slice(-2000)}`);
  for (const test of JSON.parse(readFileSync(join(spreadProject, 'memory-report.json'), 'utf8')).tests) {
    if (test.file.endsWith('.bodies.test.js')) bodySpread.set(test.name, [...(bodySpread.get(test.name) ?? []), test.allocated]);
  }
  log(`  run ${i + 1}/${SPREAD_RUNS}`);
}
for (const line of readFileSync(spreadOut, 'utf8').trim().split('\n')) {
  const { name, bytes } = JSON.parse(line);
  spread.set(name, [...(spread.get(name) ?? []), bytes]);
}
rmSync(spreadProject, { recursive: true, force: true });

const ranges = (figures) => Object.fromEntries([...figures].map(([name, xs]) => [name, [Math.min(...xs), Math.max(...xs)]]));
const matchers = ranges(spread);
const bodies = ranges(bodySpread);
let beyond = 0;

if (asJson) {
  console.log(JSON.stringify({ node: process.version, runs: SPREAD_RUNS, failures, matchers, bodies }));
} else {
  const printSpread = (title, figures, tolerance) => {
    console.log(title);
    for (const [name, [lo, hi]] of Object.entries(figures)) {
      const flaky = beyondTolerance([lo, hi], tolerance);
      if (flaky) beyond++;
      const percent = lo === 0 ? '-' : `${(((hi - lo) / lo) * 100).toFixed(2)}%`;
      console.log(`     ${name.padEnd(20)} ${String(lo).padStart(9)} .. ${String(hi).padStart(9)} B  ${percent.padStart(7)}  ${String(hi - lo).padStart(6)} B apart${flaky ? '  BEYOND THE DEFAULT TOLERANCE' : ''}`);
    }
  };
  console.log(`Spread of the compared figures, Node ${process.version}, ${SPREAD_RUNS} runs x 2 files x 2 workers, the preset`);
  printSpread(`   the matchers' figure (smallest of 5 calls after 2 warm-up; tolerance 15% and 16 KiB):`, matchers, MATCHERS);
  printSpread(`   a test body run once (baselines.everyTest's figure; tolerance 15% and 256 KiB):`, bodies, BODIES);
  console.log(`   ${beyond === 0 ? 'every workload within the default tolerance' : `${beyond} figure(s) beyond the default tolerance`}`);
  for (const failure of failures) console.log(failure);
}
process.exitCode = failures.length > 0 ? 1 : 0;
