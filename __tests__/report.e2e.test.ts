import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProject, pinned, runJest } from './helpers/fixture-project';

// The reporter and the CLI as users meet them: real Jest 30 on a fixture project that installs the
// packed package, its report read back, sharded runs merged with the installed `jest-tracemalloc`
// command, a snapshot dumped by the package shown and exported.
const fixtures = join(__dirname, 'fixtures', 'report');
const MiB = 1024 * 1024;
let project: string;
let summaryFile: string;

interface Entry {
  file: string;
  name: string;
  status: string;
  allocated: number;
  heap: number;
  external: number;
}
interface Report {
  tests: Entry[];
}

const read = (file: string): Report => JSON.parse(readFileSync(join(project, file), 'utf8')) as Report;
const cli = (...args: string[]) => {
  const result = spawnSync(join(project, 'node_modules', '.bin', 'jest-tracemalloc'), args, { cwd: project, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};
const names = (report: Report): string[] => report.tests.map((t) => `${t.file} › ${t.name}`).sort();

beforeAll(() => {
  const files: Record<string, string> = {
    'jest.config.js': `module.exports = { preset: 'jest-tracemalloc', transform: { '^.+\\\\.ts$': ['ts-jest', { diagnostics: false }] } };\n`,
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', esModuleInterop: true, types: ['jest'] } }),
    'dump-snapshot.js': readFileSync(join(fixtures, 'dump-snapshot.js'), 'utf8'),
  };
  for (const name of readdirSync(join(fixtures, 'src'))) files[`src/${name}`] = readFileSync(join(fixtures, 'src', name), 'utf8');
  project = createProject('report', [pinned('jest'), pinned('ts-jest'), pinned('typescript'), pinned('@types/jest')], files);
  summaryFile = join(mkdtempSync(join(tmpdir(), 'tracemalloc-summary-')), 'summary.md');
  writeFileSync(summaryFile, '# earlier steps\n');
  const whole = runJest(project, ['--ci'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
  if (whole.files.length !== 2) throw new Error(`unsharded run:\n${whole.output}`);
  for (const shard of ['1/2', '2/2']) {
    const config = `jest.shard${shard[0]}.config.js`;
    writeFileSync(
      join(project, config),
      `module.exports = { ...require('./jest.config.js'), reporters: [['jest-tracemalloc/reporter', { outputFile: 'shard${shard[0]}.json' }]] };\n`,
    );
    runJest(project, ['--ci', '-c', config, `--shard=${shard}`], { env: { GITHUB_STEP_SUMMARY: '' } });
  }
  const dumped = spawnSync(process.execPath, ['dump-snapshot.js', 'rows.snapshot.json'], { cwd: project, encoding: 'utf8' });
  if (dumped.status !== 0) throw new Error(dumped.stderr);
}, 300000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('memory-report.json', () => {
  const entry = (name: string): Entry => {
    const found = read('memory-report.json').tests.find((t) => t.name === name);
    if (!found) throw new Error(`no entry ${name}`);
    return found;
  };

  test('a 4 MiB typed array shows 4 to 4.6 MiB', () => {
    const e = entry('a 4 MiB typed array');
    expect(e).toMatchObject({ file: 'src/big.test.ts', status: 'passed', external: 4 * MiB });
    expect(e.allocated).toBeGreaterThanOrEqual(4 * MiB);
    expect(e.allocated).toBeLessThanOrEqual(4.6 * MiB);
  });

  test('30,000 small objects show their 1.37 MiB, plus at most what V8 compiles', () => {
    const e = entry('30,000 small objects');
    expect(e.heap).toBeGreaterThanOrEqual(30000 * 40 + 240016);
    expect(e.heap).toBeLessThanOrEqual(30000 * 40 + 240016 + 700 * 1024);
  });

  test('a near-empty test shows under 256 KiB', () => {
    expect(entry('a near-empty test').allocated).toBeLessThan(256 * 1024);
  });
});

test('the Markdown summary lands in $GITHUB_STEP_SUMMARY, after what was there', () => {
  const summary = readFileSync(summaryFile, 'utf8');
  expect(summary.startsWith('# earlier steps\n### jest-tracemalloc: memory per test\n')).toBe(true);
  expect(summary).toContain('4 tests measured in 2 files');
  expect(summary).toMatch(/\| `src\/big\.test\.ts` › a 4 MiB typed array \| 4(\.\d+)? MiB \| [\d.]+ KiB \| 4 MiB \| 4(\.\d+)? MiB \|/);
  expect(summary).toContain('› a group with a \\| in its name |'); // the | escaped, the table intact
});

test('merging the reports of --shard=1/2 and --shard=2/2 gives the tests of the unsharded run', () => {
  const shard1 = read('shard1.json');
  const shard2 = read('shard2.json');
  expect(shard1.tests.length).toBeGreaterThan(0);
  expect(shard2.tests.length).toBeGreaterThan(0);
  const merged = cli('merge', 'shard1.json', 'shard2.json', '-o', 'merged.json');
  expect(merged).toMatchObject({ code: 0, stdout: 'Merged 2 reports (4 tests) into merged.json\n' });
  expect(names(read('merged.json'))).toEqual(names(read('memory-report.json')));
});

describe('compare', () => {
  test('two runs of unchanged code: every test listed, no failure at 50%', () => {
    const result = cli('compare', 'memory-report.json', 'merged.json', '--fail-above', '50%');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 tests in both, 0 only in head, 0 only in base');
    expect(result.stdout).toContain('no test grew by more than 50%');
  });

  test('a test that doubles fails the gate, with exit code 1, listed first', () => {
    const report = JSON.parse(readFileSync(join(project, 'memory-report.json'), 'utf8'));
    const big = report.tests.find((t: Entry) => t.name === 'a 4 MiB typed array');
    big.allocated *= 2;
    writeFileSync(join(project, 'doubled.json'), JSON.stringify(report));
    const result = cli('compare', 'memory-report.json', 'doubled.json', '--fail-above', '50%');
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')[1]).toMatch(/^✗ src\/big\.test\.ts › a 4 MiB typed array +4(\.\d+)? MiB +8(\.\d+)? MiB +\+4(\.\d+)? MiB \(\+100\.0%\)$/);
    expect(result.stdout).toContain('1 test(s) grew by more than 50%');
  });
});

describe('snapshots', () => {
  test('show prints statistics as tracemalloc does', () => {
    const result = cli('show', 'rows.snapshot.json', '--limit', '3');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Top \d of \d+ \(lineno\):\n#1: .*dump-snapshot\.js:3: size=[\d.]+ [KM]iB, count=\d+, average=\d+ B\n/);
    const byFile = cli('show', 'rows.snapshot.json', '--key', 'filename', '--limit', '0');
    expect(byFile.stdout).toMatch(/dump-snapshot\.js:0: size=/);
  });

  test('export writes a .heapprofile shaped as DevTools saves it', () => {
    expect(cli('export', 'rows.snapshot.json', '--format', 'heapprofile', '-o', 'rows.heapprofile').code).toBe(0);
    const profile = JSON.parse(readFileSync(join(project, 'rows.heapprofile'), 'utf8'));
    expect(Object.keys(profile).sort()).toEqual(['head', 'samples']);
    expect(Object.keys(profile.head).sort()).toEqual(['callFrame', 'children', 'id', 'selfSize']);
    expect(Object.keys(profile.head.callFrame).sort()).toEqual(['columnNumber', 'functionName', 'lineNumber', 'scriptId', 'url']);
    const nodes: { id: number; selfSize: number; callFrame: { functionName: string; url: string; lineNumber: number }; children: unknown[] }[] = [];
    const walk = (node: (typeof nodes)[number]) => {
      nodes.push(node);
      (node.children as (typeof nodes)[number][]).forEach(walk);
    };
    walk(profile.head);
    const rows = nodes.find((n) => n.callFrame.functionName === 'buildRows');
    expect(rows?.callFrame.url).toBe(`file://${join(project, 'dump-snapshot.js')}`);
    expect(rows?.callFrame.lineNumber).toBe(2); // 0-based, as V8 writes it
    expect(rows?.selfSize).toBeGreaterThan(20000 * 40);
    const ids = new Set(nodes.map((n) => n.id));
    for (const sample of profile.samples) {
      expect(ids.has(sample.nodeId)).toBe(true);
      expect(sample.size).toBeGreaterThan(0);
    }
    const total = profile.samples.reduce((sum: number, s: { size: number }) => sum + s.size, 0);
    expect(total).toBe(nodes.reduce((sum, n) => sum + n.selfSize, 0));
  });
});

describe('mistakes get a message and exit code 2, never a stack trace', () => {
  test.each([
    [['compare', 'memory-report.json'], 'compare takes two files, base and head, got 1'],
    [['compare', 'memory-report.json', 'nope.json'], 'Cannot read report nope.json: no such file'],
    [['compare', 'memory-report.json', 'jest.config.js'], 'Cannot read report jest.config.js: not valid JSON'],
    [['show', 'memory-report.json'], 'Cannot load snapshot memory-report.json: not a jest-tracemalloc snapshot'],
    [['show', 'rows.snapshot.json', '--key', 'line'], '--key must be lineno, filename or traceback, got "line"'],
    [['show', 'rows.snapshot.json', '--limt', '3'], "Unknown option '--limt'"],
    [['merge', 'shard1.json'], 'merge needs -o <merged.json>'],
    [['export', 'rows.snapshot.json', '--format', 'pprof'], 'unknown format "pprof"; the one format is heapprofile'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j', (args, message) => {
    const result = cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`jest-tracemalloc: ${message}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help for each command', () => {
    for (const command of ['show', 'compare', 'merge', 'export']) {
      const result = cli(command, '--help');
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toMatch(new RegExp(`^Usage: jest-tracemalloc ${command} `));
    }
    expect(cli('--help').stdout).toMatch(/^Usage: jest-tracemalloc <command>/);
  });
});
