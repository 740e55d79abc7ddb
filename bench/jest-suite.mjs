// Benchmark of the Jest plugin, with real Jest on fixture projects that install the packed package:
//   A. overhead: a generated suite of 500 tests, plain `testEnvironment: 'node'` vs the preset
//      (default settings) vs the preset with per-test sites vs the preset with baselines.everyTest,
//      runs interleaved, ratios of medians;
//   B. flakiness: the matcher verdict suite (__tests__/fixtures/verdicts) run 20 times in a row;
//      every verdict must be the same each time.
//   C. baselines: the baseline fixture (__tests__/fixtures/baselines) written once, then run
//      unchanged with --ci 20 times: false failures at the default tolerance. The spread of the
//      figures baselines compare is bench/jest-spread.mjs, run on every Node line by node-lines.mjs.
//
//   npm run bench                      # everything (this part takes about 8 minutes)
//   node bench/jest-suite.mjs --quick  # fewer rounds and 3 verdict runs (needs a built build/)
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinned, project, root, splitCpuStat, withCpuStat } from './jest-project.mjs';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const VERDICT_RUNS = quick ? 3 : 20;
const FILES = 10;
const TESTS_PER_FILE = 50;
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

const canCountCpu = existsSync('/proc/self/stat');

function jest(dir, args) {
  const argv = [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), ...args];
  const options = { cwd: dir, encoding: 'utf8', timeout: 600_000 };
  const began = process.hrtime.bigint();
  const run = canCountCpu
    ? spawnSync(...withCpuStat(process.execPath, argv), options)
    : spawnSync(process.execPath, argv, options);
  const ms = Number(process.hrtime.bigint() - began) / 1e6;
  const { stdout, cpuMs } = splitCpuStat(run.stdout ?? '');
  return { ms, cpuMs, status: run.status, output: `${stdout}${run.stderr}` };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ------------------------------------------------------------------------------------------------
// A. Overhead
log(`overhead: ${FILES * TESTS_PER_FILE} generated tests, ${ROUNDS} interleaved rounds per config`);
const suite = project('overhead', [pinned('jest')]);
mkdirSync(join(suite, 'tests'));
for (let f = 0; f < FILES; f++) {
  const tests = Array.from(
    { length: TESTS_PER_FILE },
    (_, t) => `test('rows ${t}', () => {
  const rows = [];
  for (let i = 0; i < ${200 + t * 20}; i++) rows.push({ id: i, name: 'row' + i, tags: [i % 7, i % 11] });
  expect(JSON.stringify(rows).length).toBeGreaterThan(0);
});`,
  );
  writeFileSync(join(suite, 'tests', `file${f}.test.js`), `${tests.join('\n')}\n`);
}
const configs = {
  plain: { testEnvironment: 'node' },
  preset: { preset: 'jest-tracemalloc' },
  'preset + sites': { preset: 'jest-tracemalloc', testEnvironmentOptions: { tracemalloc: { sites: true } } },
  // writes the baselines in the warm-up round, compares them in the others: a false failure is reported
  'preset + everyTest': { preset: 'jest-tracemalloc', testEnvironmentOptions: { tracemalloc: { baselines: { everyTest: true } } } },
};
const argsOf = (name) => (name === 'preset + everyTest' ? ['--ci=false'] : ['--ci']);
for (const [name, config] of Object.entries(configs)) {
  writeFileSync(join(suite, `${name.replace(/\W+/g, '-')}.config.js`), `module.exports = ${JSON.stringify({ transform: {}, ...config })};\n`);
}
const wall = Object.fromEntries(Object.keys(configs).map((name) => [name, []]));
const cpu = Object.fromEntries(Object.keys(configs).map((name) => [name, []]));
const failures = [];
for (let round = -1; round < ROUNDS; round++) {
  const names = Object.keys(configs);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const result = jest(suite, ['-c', `${name.replace(/\W+/g, '-')}.config.js`, ...argsOf(name)]);
    if (result.status !== 0) failures.push(`${name}: exit ${result.status}\n${result.output.slice(-2000)}`);
    if (round >= 0) {
      // round -1 fills Jest's cache
      wall[name].push(result.ms);
      cpu[name].push(result.cpuMs);
    }
  }
}
const report = JSON.parse(readFileSync(join(suite, 'memory-report.json'), 'utf8'));
rmSync(suite, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
// B. Flakiness of the verdict suite
log(`flakiness: the verdict suite, ${VERDICT_RUNS} runs in a row`);
const verdicts = project('verdicts', [pinned('jest'), pinned('ts-jest'), pinned('typescript')]);
mkdirSync(join(verdicts, 'src'));
copyFileSync(join(root, '__tests__', 'fixtures', 'verdicts', 'verdicts.test.ts'), join(verdicts, 'src', 'verdicts.test.ts'));
writeFileSync(
  join(verdicts, 'jest.config.js'),
  `module.exports = { preset: 'jest-tracemalloc', transform: { '^.+\\\\.ts$': ['ts-jest', { diagnostics: false }] } };\n`,
);
const outcomes = new Map(); // test title -> Map<status, count>
const verdictMs = [];
for (let i = 0; i < VERDICT_RUNS; i++) {
  const result = jest(verdicts, ['--ci', '--json', '--outputFile=results.json']);
  verdictMs.push(result.ms);
  const files = JSON.parse(readFileSync(join(verdicts, 'results.json'), 'utf8')).testResults;
  for (const test of files.flatMap((f) => f.assertionResults)) {
    const counts = outcomes.get(test.title) ?? new Map();
    counts.set(test.status, (counts.get(test.status) ?? 0) + 1);
    outcomes.set(test.title, counts);
  }
  log(`  run ${i + 1}/${VERDICT_RUNS}`);
}
rmSync(verdicts, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
// C. Baselines: false failures on unchanged code
log(`baselines: written once, then ${VERDICT_RUNS} unchanged runs with --ci`);
const baselines = project('baselines', [pinned('jest'), pinned('ts-jest'), pinned('typescript'), pinned('@types/jest'), pinned('@types/node')]);
mkdirSync(join(baselines, 'src'));
for (const name of readdirSync(join(root, '__tests__', 'fixtures', 'baselines', 'src'))) {
  copyFileSync(join(root, '__tests__', 'fixtures', 'baselines', 'src', name), join(baselines, 'src', name));
}
writeFileSync(
  join(baselines, 'jest.config.js'),
  `module.exports = { preset: 'jest-tracemalloc', transform: { '^.+\\\\.ts$': ['ts-jest', { diagnostics: false }] }, testEnvironmentOptions: { tracemalloc: { baselines: { everyTest: true } } } };\n`,
);
const firstBaselineRun = jest(baselines, ['--ci=false']);
if (firstBaselineRun.status !== 0) failures.push(`baselines: the first run failed\n${firstBaselineRun.output.slice(-2000)}`);
let falseFailures = 0;
const failedChecks = new Map();
for (let i = 0; i < VERDICT_RUNS; i++) {
  const result = jest(baselines, ['--ci', '--json', '--outputFile=results.json']);
  const files = JSON.parse(readFileSync(join(baselines, 'results.json'), 'utf8')).testResults;
  for (const test of files.flatMap((f) => f.assertionResults)) {
    if (test.status !== 'passed') {
      falseFailures++;
      failedChecks.set(test.title, (failedChecks.get(test.title) ?? 0) + 1);
    }
  }
  log(`  run ${i + 1}/${VERDICT_RUNS}${result.status === 0 ? '' : ' (failures)'}`);
}
const baselineChecks = Object.keys(JSON.parse(readFileSync(join(baselines, 'src', '__memory__', 'parser.test.ts.json'), 'utf8')).baselines).length;
rmSync(baselines, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const base = median(wall.plain);
const cpuBase = median(cpu.plain);
console.log(`jest-tracemalloc Jest bench (${quick ? 'QUICK' : 'full'}) - Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
console.log('');
console.log(`5. Overhead: ${FILES} files x ${TESTS_PER_FILE} tests (JS, no transform), Jest's default workers, wall time of the whole run,`);
console.log(`   median of ${ROUNDS} interleaved rounds after one warm-up round each (Jest's cache filled); CPU = Jest and its workers`);
for (const [name, times] of Object.entries(wall)) {
  const ratio = median(times) / base;
  const cpuRatio = median(cpu[name]) / cpuBase;
  console.log(
    `   ${name.padEnd(15)} wall ${fmt(median(times)).padStart(7)} ${ratio.toFixed(3)}x   CPU ${fmt(median(cpu[name])).padStart(7)} ${Number.isFinite(cpuRatio) ? `${cpuRatio.toFixed(3)}x` : '-'}` +
      `   (wall ${times.map(fmt).join(', ')})`,
  );
}
console.log(`   per-test figures in the preset's report: ${report.tests.length} tests, median ${Math.round(median(report.tests.map((t) => t.allocated)) / 1024)} KiB allocated`);
console.log('');
console.log(`6. Flakiness: the verdict suite (${outcomes.size} tests), ${VERDICT_RUNS} runs in a row, median ${fmt(median(verdictMs))} per run`);
let unstable = 0;
for (const [title, counts] of outcomes) {
  if (counts.size > 1 || [...counts.values()][0] !== VERDICT_RUNS) {
    unstable++;
    console.log(`   UNSTABLE ${title}: ${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  }
}
console.log(`   ${unstable === 0 ? `every verdict the same in all ${VERDICT_RUNS} runs` : `${unstable} verdict(s) changed between runs`}`);
console.log('');
console.log(`7. Baselines: the baseline fixture (matchers and baselines.everyTest), written once, then ${VERDICT_RUNS} unchanged runs with --ci`);
console.log(`   ${falseFailures === 0 ? 'no false failure' : `${falseFailures} false failure(s): ${[...failedChecks].map(([t, n]) => `${t} x${n}`).join(', ')}`} at the default tolerance (15% and 16 KiB)`);
console.log(`   (${baselineChecks} baselines in parser.test.ts.json)`);
if (failures.length > 0) {
  console.log('\nFailures:');
  for (const failure of failures) console.log(failure);
  process.exitCode = 1;
}
