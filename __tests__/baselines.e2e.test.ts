import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProject, pinned, runJest, stripColors, type JestRun } from './helpers/fixture-project';
import { lineOf } from './helpers/lines';

// Allocation baselines as users meet them: real Jest 30 with the preset on a fixture project that
// installs the packed package, run after run as a developer and CI would, with Jest's snapshot
// semantics (write, --ci, -u, -t, obsolete entries) and bad files.
const fixtures = join(__dirname, 'fixtures', 'baselines');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
let project: string;
const parserFile = () => join(project, 'src', '__memory__', 'parser.test.ts.json');
const otherFile = () => join(project, 'src', '__memory__', 'other.test.ts.json');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function jest(args: string[], env: NodeJS.ProcessEnv = {}): JestRun & { text: string; status_of: (title: string) => string; message: (title: string) => string } {
  const run = runJest(project, args, { env });
  const results = run.files.flatMap((f) => f.assertionResults);
  const find = (title: string) => results.find((r) => r.title === title);
  return {
    ...run,
    text: stripColors(run.output),
    status_of: (title) => find(title)?.status ?? 'missing',
    message: (title) => stripColors(find(title)?.failureMessages.join('\n') ?? ''),
  };
}

beforeAll(() => {
  const files: Record<string, string> = {
    // The default tolerance: unchanged code must pass it (the bench repeats that 20 times).
    'jest.config.js': `module.exports = { preset: 'jest-tracemalloc', transform: { '^.+\\\\.ts$': ['ts-jest', { diagnostics: false }] } };\n`,
    'jest.every.config.js': `module.exports = { ...require('./jest.config.js'), testEnvironmentOptions: { tracemalloc: { baselines: { everyTest: true } } } };\n`,
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', esModuleInterop: true, types: ['jest', 'node'] } }),
  };
  for (const name of readdirSync(join(fixtures, 'src'))) files[`src/${name}`] = readFileSync(join(fixtures, 'src', name), 'utf8');
  project = createProject('baselines', [pinned('jest'), pinned('ts-jest'), pinned('typescript'), pinned('@types/jest'), pinned('@types/node')], files);
}, 300000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

// The steps build on each other, as runs do in a repository.
test('a first run writes the baselines of both files (two workers), in a stable, reviewable format', () => {
  const run = jest(['-w', '2']);
  expect({ status: run.status, output: run.status === 0 ? '' : run.text.slice(-3000) }).toEqual({ status: 0, output: '' });
  expect(run.text).toContain('Allocation baselines: 4 written.');
  const text = readFileSync(parserFile(), 'utf8');
  expect(text.endsWith('}\n')).toBe(true);
  const data = JSON.parse(text);
  expect(Object.keys(data)).toEqual(['format', 'version', 'node', 'baselines']);
  expect(data).toMatchObject({ format: 'jest-tracemalloc-baselines', version: 1, node: NODE_MAJOR });
  expect(Object.keys(data.baselines)).toEqual(['parses 1', 'two baselines in one test 1', 'two baselines in one test 2']);
  const parses = data.baselines['parses 1'];
  expect(Object.keys(parses)).toEqual(['allocated', 'external', 'heap', 'sites']); // sorted
  expect(parses.allocated).toBeGreaterThan(20000 * 32); // 20,000 objects and the growing array
  // relative to the rootDir: a committed file is the same on every machine
  expect(parses.sites[0]).toMatchObject({ function: 'parse', file: 'src/parser.ts', line: lineOf(join(fixtures, 'src', 'parser.ts'), 'export function parse(') });
  expect(text).toMatch(/\n {6}"allocated": \d+,\n/); // one figure per line
  expect(Object.keys(readJson(otherFile()).baselines)).toEqual(['another file 1']);
});

test('--ci passes unchanged code and writes nothing', () => {
  const before = readFileSync(parserFile(), 'utf8');
  const run = jest(['--ci']);
  expect({ status: run.status, output: run.status === 0 ? '' : run.text.slice(-3000) }).toEqual({ status: 0, output: '' });
  expect(run.text).toContain('Allocation baselines: 4 passed.');
  expect(readFileSync(parserFile(), 'utf8')).toBe(before);
});

test('a 2x allocation regression fails, names the baseline and the function that grew, and changes no file', () => {
  const before = readFileSync(parserFile(), 'utf8');
  const run = jest(['--ci'], { PARSER_FACTOR: '2' });
  expect(run.status_of('parses')).toBe('failed');
  const message = run.message('parses');
  expect(message).toContain(`Allocation baseline "parses 1" in ${parserFile()}`);
  expect(message).toMatch(/Change: {3}\+[\d.]+ [KM]iB \(\+(9\d|1\d\d)\.\d%\) allocated: beyond the tolerance \(more\); tolerance 15% and 16 KiB/);
  expect(message).toMatch(new RegExp(`Functions whose allocations grew most \\(V8 heap, one call\\):\\n  parse \\(src/parser\\.ts:${lineOf(join(fixtures, 'src', 'parser.ts'), 'export function parse(')}\\): `));
  expect(message).toContain('run `jest -u` to accept the new figure');
  expect(run.text).toContain('Allocation baselines: 3 failed.'); // a test stops at its first failed assertion
  expect(readFileSync(parserFile(), 'utf8')).toBe(before);
});

test('-u rewrites the figures; the new code then passes --ci', () => {
  const before = readJson(parserFile()).baselines['parses 1'].allocated;
  const run = jest(['-u'], { PARSER_FACTOR: '2' });
  expect(run.status).toBe(0);
  expect(run.text).toContain('Allocation baselines: 4 updated.');
  const after = readJson(parserFile()).baselines['parses 1'].allocated;
  expect(after / before).toBeGreaterThan(1.6);
  expect(jest(['--ci'], { PARSER_FACTOR: '2' }).status).toBe(0);
});

test('an improvement beyond the tolerance passes and is reported', () => {
  const run = jest(['--ci'], { PARSER_FACTOR: '1' });
  expect(run.status).toBe(0);
  expect(run.text).toContain('4 improved (jest -u records them)');
  jest(['-u'], { PARSER_FACTOR: '1' }); // back to the original figures
});

test('entries of tests that no longer exist are obsolete: kept, and a failed run, as Jest snapshots; -u removes them and says so', () => {
  const data = readJson(parserFile());
  data.baselines['a removed test 1'] = { allocated: 1000, external: 0, heap: 1000 };
  writeFileSync(parserFile(), `${JSON.stringify(data, null, 2)}\n`);
  const run = jest(['--ci']);
  expect(run.status).toBe(1);
  expect(run.files.flatMap((f) => f.assertionResults).every((r) => r.status === 'passed')).toBe(true);
  expect(run.text).toContain('1 obsolete (jest -u removes them)');
  expect(run.text).toContain('obsolete: src/__memory__/parser.test.ts.json: a removed test 1');
  expect(readJson(parserFile()).baselines['a removed test 1']).toBeDefined();
  const update = jest(['-u']);
  expect(update.status).toBe(0);
  expect(update.text).toContain('1 removed');
  expect(readJson(parserFile()).baselines['a removed test 1']).toBeUndefined();
});

test('a run filtered with -t leaves the other entries untouched, even with -u', () => {
  const run = jest(['-u', '-t', 'another file']);
  expect(run.status).toBe(0);
  expect(Object.keys(readJson(parserFile()).baselines)).toEqual(['parses 1', 'two baselines in one test 1', 'two baselines in one test 2']);
});

test('with the file deleted, --ci fails and writes nothing', () => {
  rmSync(otherFile());
  const run = jest(['--ci']);
  expect(run.status_of('another file')).toBe('failed');
  expect(run.message('another file')).toContain(`no allocation baseline for "another file 1" in ${otherFile()}, and --ci does not write baselines`);
  expect(existsSync(otherFile())).toBe(false);
  jest([]); // a normal run writes it again
  expect(existsSync(otherFile())).toBe(true);
});

test('a corrupt file fails its tests with an error naming it, and is only replaced by -u', () => {
  writeFileSync(otherFile(), '{"format": "jest-tracemalloc-baselines", "version": 1, "node": 20, "baselines": {"another file 1": {"allocated": "lots"');
  const garbage = readFileSync(otherFile(), 'utf8');
  const run = jest([]);
  expect(run.status_of('another file')).toBe('failed');
  expect(run.message('another file')).toContain(`Cannot read the allocation baselines in ${otherFile()}: not valid JSON`);
  expect(run.status_of('parses')).toBe('passed'); // other files go on
  expect(readFileSync(otherFile(), 'utf8')).toBe(garbage);
  jest(['-u']);
  expect(Object.keys(readJson(otherFile()).baselines)).toEqual(['another file 1']);
});

test('a baseline taken on another Node major is not compared: the message says how to refresh it', () => {
  const data = readJson(otherFile());
  data.node = NODE_MAJOR - 2;
  writeFileSync(otherFile(), `${JSON.stringify(data, null, 2)}\n`);
  const run = jest(['--ci']);
  expect(run.message('another file')).toContain(`were taken on Node ${NODE_MAJOR - 2}; this is Node ${NODE_MAJOR}`);
  expect(run.message('another file')).toContain(`Run \`jest -u\` on Node ${NODE_MAJOR} to take them again.`);
  jest(['-u']);
  expect(readJson(otherFile()).node).toBe(NODE_MAJOR);
});

test('baselines.everyTest keeps one for every test, without a matcher', () => {
  const run = jest(['-c', 'jest.every.config.js']);
  expect({ status: run.status, output: run.status === 0 ? '' : run.text.slice(-3000) }).toEqual({ status: 0, output: '' });
  expect(Object.keys(readJson(otherFile()).baselines)).toEqual(['another file 1']); // its matcher measures it
  const plainFile = join(project, 'src', '__memory__', 'plain.test.ts.json');
  expect(Object.keys(readJson(plainFile).baselines)).toEqual(['plain work [whole test]']);
  expect(jest(['-c', 'jest.every.config.js', '--ci']).status).toBe(0);
  const regressed = jest(['-c', 'jest.every.config.js', '--ci'], { PARSER_FACTOR: '3' });
  expect(regressed.status_of('plain work')).toBe('failed');
  expect(regressed.message('plain work')).toContain(`Allocation baseline "plain work [whole test]" in ${plainFile}`);
  expect(regressed.message('plain work')).toMatch(/Change: {3}\+[\d.]+ MiB; tolerance 15% and 256 KiB/); // everyTest's own default
  // a run without everyTest leaves the whole-test entries of tests that still exist alone, even -u
  for (const args of [['--ci', 'src/plain.test.ts'], ['-u', 'src/plain.test.ts']]) {
    const without = jest(args);
    expect({ status: without.status, output: without.status === 0 ? '' : without.text.slice(-2000) }).toEqual({ status: 0, output: '' });
    expect(without.text).not.toContain('obsolete');
  }
  expect(Object.keys(readJson(plainFile).baselines)).toEqual(['plain work [whole test]']);
});

test('a retried test keeps one baseline, as Jest snapshots do (jest.retryTimes)', () => {
  const flaky = join(project, 'src', 'flaky.test.ts');
  const flakyFile = join(project, 'src', '__memory__', 'flaky.test.ts.json');
  writeFileSync(
    flaky,
    [
      "import { parse } from './parser';",
      'jest.retryTimes(2);',
      'let attempt = 0;',
      "test('flaky', () => {",
      '  attempt++;',
      '  expect(() => parse(3000)).toMatchAllocationBaseline();',
      "  if (attempt === 1 && process.env.FLAKY === '1') throw new Error('fails on its first attempt');",
      '});',
    ].join('\n'),
  );
  try {
    const first = jest(['src/flaky.test.ts'], { FLAKY: '1' });
    expect({ status: first.status, output: first.status === 0 ? '' : first.text.slice(-3000) }).toEqual({ status: 0, output: '' });
    expect(first.text).toContain('Allocation baselines: 1 written.');
    expect(Object.keys(readJson(flakyFile).baselines)).toEqual(['flaky 1']);
    for (const env of [{}, { FLAKY: '1' }]) {
      const ci = jest(['--ci', 'src/flaky.test.ts'], env);
      expect({ status: ci.status, output: ci.status === 0 ? '' : ci.text.slice(-3000) }).toEqual({ status: 0, output: '' });
      expect(ci.text).toContain('Allocation baselines: 1 passed.');
    }
  } finally {
    rmSync(flaky, { force: true });
    rmSync(flakyFile, { force: true });
  }
});

test('an unreadable file is never replaced by part of its entries: -u -t refuses, -u on the whole file rewrites it', () => {
  const whole = readFileSync(parserFile(), 'utf8');
  const truncated = whole.slice(0, whole.length / 2);
  writeFileSync(parserFile(), truncated);
  const filtered = jest(['-u', '-t', 'parses']);
  expect(filtered.status).toBe(1);
  expect(filtered.text).toContain(`Cannot read the allocation baselines in ${parserFile()}: not valid JSON`);
  expect(filtered.text).toContain('jest -u did not rewrite it, since it could not be read and not every test of the file ran');
  expect(readFileSync(parserFile(), 'utf8')).toBe(truncated);
  // a filter that runs none of the file's tests leaves it alone too
  expect(jest(['-u', '-t', 'another file']).status).toBe(0);
  expect(readFileSync(parserFile(), 'utf8')).toBe(truncated);
  const rewrite = jest(['-u', 'src/parser.test.ts']);
  expect(rewrite.status).toBe(0);
  expect(Object.keys(readJson(parserFile()).baselines)).toEqual(['parses 1', 'two baselines in one test 1', 'two baselines in one test 2']);
});

test('a baseline file that cannot be written fails the run and names it', () => {
  const folder = join(project, 'src', 'unwritable');
  mkdirSync(folder);
  writeFileSync(join(folder, 'w.test.ts'), "import { parse } from '../parser';\ntest('w', () => expect(() => parse(100)).toMatchAllocationBaseline());\n");
  writeFileSync(join(folder, '__memory__'), 'a file where the folder goes');
  try {
    const run = jest(['src/unwritable']);
    expect(run.status).toBe(1);
    expect(run.status_of('w')).toBe('passed'); // the test did its job; the file's baselines are what failed
    expect(run.text).toContain(`jest-tracemalloc: The allocation baselines of this file were not saved: cannot write ${join(folder, '__memory__', 'w.test.ts.json')}: E`);
    expect(run.text).not.toMatch(/\.tmp\b/);
    expect(run.text).toMatch(/Test Suites: 1 failed/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("a file's @jest-environment-options docblock is merged per key with the config's options", () => {
  const file = join(project, 'src', 'docblock.test.ts');
  writeFileSync(file, `/**\n * @jest-environment-options {"tracemalloc": {"sites": true}}\n */\nimport { parse } from './parser';\nlet sink: unknown;\ntest('docblock work', () => {\n  sink = parse(20000);\n});\n`);
  const memoryFile = join(project, 'src', '__memory__', 'docblock.test.ts.json');
  try {
    const run = jest(['-c', 'jest.every.config.js', 'src/docblock.test.ts']);
    expect({ status: run.status, output: run.status === 0 ? '' : run.text.slice(-3000) }).toEqual({ status: 0, output: '' });
    // the config's everyTest stays on for the file that asked for sites
    expect(Object.keys(readJson(memoryFile).baselines)).toEqual(['docblock work [whole test]']);
    const entry = readJson(join(project, 'memory-report.json')).tests.find((t: { name: string }) => t.name === 'docblock work');
    expect(entry.sites?.[0]).toMatchObject({ function: 'parse', file: 'src/parser.ts' });
  } finally {
    rmSync(file, { force: true });
    rmSync(memoryFile, { force: true });
  }
});

test("the report and the summary carry what each matcher measured, not only the test body's figure", () => {
  const run = jest(['--ci', 'src/parser.test.ts'], { GITHUB_STEP_SUMMARY: join(project, 'summary.md') });
  expect(run.status).toBe(0);
  const report = readJson(join(project, 'memory-report.json'));
  const entry = report.tests.find((t: { name: string }) => t.name === 'two baselines in one test');
  expect(entry.matchers).toHaveLength(2);
  expect(entry.matchers[0]).toMatchObject({ matcher: 'toMatchAllocationBaseline', figure: 'allocated', pass: true });
  expect(entry.matchers[1].bytes).toBeGreaterThan(10000 * 32); // parse(10000)
  expect(entry.matchers[1].bytes).toBeGreaterThan(entry.allocated); // the body's own figure leaves the matchers' calls out
  expect(entry.peak).toBeLessThan(entry.matchers[1].bytes); // and so does its peak: the body holds nothing
  expect(run.text).toMatch(/two baselines in one test {2}\[toMatchAllocationBaseline: [\d.]+ KiB allocated per call, toMatchAllocationBaseline: [\d.]+ KiB allocated per call\]/);
  expect(readFileSync(join(project, 'summary.md'), 'utf8')).toMatch(/\| Matchers \(per call\) \|[\s\S]*toMatchAllocationBaseline: [\d.]+ KiB allocated per call/);
});
