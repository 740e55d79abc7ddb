import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  expect(parses.sites[0]).toMatchObject({ function: 'parse', file: 'parser.ts', line: lineOf(join(fixtures, 'src', 'parser.ts'), 'export function parse(') });
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
  expect(message).toMatch(/Change: {3}\+[\d.]+ [KM]iB \(\+(9\d|1\d\d)\.\d%\); tolerance 15% and 16 KiB/);
  expect(message).toMatch(new RegExp(`Functions whose allocations grew most \\(V8 heap, one call\\):\\n  parser\\.ts:${lineOf(join(fixtures, 'src', 'parser.ts'), 'export function parse(')} parse: `));
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

test('entries of tests that no longer exist are reported as obsolete, kept by a normal run, removed by -u', () => {
  const data = readJson(parserFile());
  data.baselines['a removed test 1'] = { allocated: 1000, external: 0, heap: 1000 };
  writeFileSync(parserFile(), `${JSON.stringify(data, null, 2)}\n`);
  const run = jest(['--ci']);
  expect(run.status).toBe(0);
  expect(run.text).toContain('1 obsolete (jest -u removes them)');
  expect(run.text).toContain('obsolete: src/__memory__/parser.test.ts.json: a removed test 1');
  expect(readJson(parserFile()).baselines['a removed test 1']).toBeDefined();
  jest(['-u']);
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
});
