import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createProject, pinned, runJest, stripColors as strip, type AssertionResult } from './helpers/fixture-project';
import { lineOf } from './helpers/lines';

// Real Jest 30 with ts-jest in a subprocess, in a fixture project that installs the packed package.
const fixture = join(__dirname, 'fixtures', 'verdicts', 'verdicts.test.ts');
let project: string;
let results: Map<string, AssertionResult>;

beforeAll(() => {
  project = createProject('verdicts', [pinned('jest'), pinned('ts-jest'), pinned('typescript'), pinned('@types/jest')], {
    'jest.config.js': `module.exports = { testEnvironment: 'node', setupFilesAfterEnv: ['jest-tracemalloc/matchers'], transform: { '^.+\\\\.ts$': ['ts-jest', { diagnostics: false }] } };\n`,
    'src/verdicts.test.ts': readFileSync(fixture, 'utf8'),
  });
  const run = runJest(project, ['--ci']);
  results = new Map(run.files.flatMap((file) => file.assertionResults).map((r) => [r.title, r]));
  if (results.size === 0) throw new Error(`Jest ran no test:\n${run.output}`);
}, 300000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

const verdict = (title: string): AssertionResult => {
  const result = results.get(title);
  if (!result) throw new Error(`no test named ${title}`);
  return result;
};
const message = (title: string): string => strip(verdict(title).failureMessages.join('\n'));

test.each([
  ['2 MiB typed array fails a 1 MiB budget', 'failed'],
  ['2 MiB typed array passes a 3 MiB budget', 'passed'],
  ['50,000 small objects fail 256 KiB and name the function', 'failed'],
  ['.not: 50,000 small objects do allocate at least 256 KiB', 'passed'],
  ['a transient workload retains less than 100 KiB', 'passed'],
  ['a growing listener list is a leak', 'passed'],
  ['a pure function does not leak', 'passed'],
  ['async work across setTimeout is measured', 'passed'],
  ['bad input: not a function', 'failed'],
  ['bad input: unknown unit', 'failed'],
  ['bad input: negative limit', 'failed'],
  ['bad input: NaN limit', 'failed'],
  ['bad input: unknown option', 'failed'],
  ['bad input: no limit', 'failed'],
  ['bad input: a billion runs', 'failed'],
  ['a synchronous measurement stops at 10 times the test timeout, with a message', 'failed'],
  ['an async measurement stops at the test timeout too', 'failed'],
  ['after a measurement stopped at the timeout, the next test measures its own', 'passed'],
])('%s: %s', (title, status) => {
  // the message rides along, so a wrong verdict shows what was measured
  expect(`${verdict(title).status}: ${message(title).slice(0, 600)}`).toMatch(new RegExp(`^${status}: `));
});

test('a failed budget says what was measured against the limit, in Jest style', () => {
  const text = message('2 MiB typed array fails a 1 MiB budget');
  expect(text).toContain('expect(fn).toAllocateLessThan(limit)');
  expect(text).toMatch(/Expected: < "1 MiB" allocated\nReceived: {3}"2(\.\d+)? MiB \(heap [\d.]+ [KM]?i?B, external 2 MiB\)"/);
  expect(text).toContain('one call after 1 warm-up');
});

test('the failure names the allocating function at its TypeScript line, without Jest or tracer frames', () => {
  const text = message('50,000 small objects fail 256 KiB and name the function');
  const line = lineOf(fixture, 'function manySmallObjects(');
  const sites = text.slice(text.indexOf('Top allocating functions'), text.indexOf('\n    at ')); // not the stack trace
  expect(sites).toMatch(/^Top allocating functions \(V8 heap, one call\):\n/);
  // the function first, its file relative to the rootDir
  expect(sites).toMatch(new RegExp(`\\n  manySmallObjects \\(src/verdicts\\.test\\.ts:${line}\\): size=[\\d.]+ [KM]iB`));
  expect(sites).not.toMatch(/node_modules[\\/](jest|@jest|expect|jest-tracemalloc)|node:/);
});

test('bad input gives a matcher error that quotes the input', () => {
  expect(message('bad input: not a function')).toContain('received value must be a function');
  expect(message('bad input: not a function')).toContain('Received has type:  string');
  expect(message('bad input: unknown unit')).toContain('Unknown unit "parsec" in "1 parsec"');
  expect(message('bad input: negative limit')).toContain('Expected a size of 0 bytes or more, got -1');
  expect(message('bad input: NaN limit')).toContain('got NaN');
  expect(message('bad input: unknown option')).toContain('unknown option "runz"');
  expect(message('bad input: no limit')).toContain('a limit is required');
  expect(message('bad input: no limit')).not.toContain('undefined undefined');
  expect(message('bad input: a billion runs')).toContain('runs must be at most 1000, got 1000000000');
});

test('measuring stops: async at the test timeout, sync at 10 times it, and says which options make fewer calls', () => {
  const sync = message('a synchronous measurement stops at 10 times the test timeout, with a message');
  expect(sync).toContain("measuring stopped after 5,000 ms, 10 times the test's timeout");
  expect(sync).toMatch(/stopped after [\d,]+ calls: the time limit of 5,000 ms was reached\. Jest cannot stop synchronous code/);
  expect(sync).toContain('Make fewer calls (warmup, runs)');
  expect(verdict('a synchronous measurement stops at 10 times the test timeout, with a message').duration ?? 0).toBeLessThan(15000);
  const async = message('an async measurement stops at the test timeout too');
  // Jest's own timeout fails the test; the matcher stops calling fn there, instead of running on into the next test
  expect(async).toMatch(/Exceeded timeout of 1500 ms|measuring stopped at the test's timeout/);
});
