import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createProject, pinned, runJest, stripColors, type AssertionResult } from './helpers/fixture-project';
import { lineOf } from './helpers/lines';
import { CORPUS_PACKAGES } from './fixtures/corpus/packages';

// The leak, budget and baseline verdicts on real code: parsers, caches and emitters of the registry
// (pinned versions), in a plain CommonJS Jest 30 project with the preset and the packed package.
// bench/leak-corpus.mjs runs the same project several times and counts the right verdicts.
const fixtures = join(__dirname, 'fixtures', 'corpus');
let project: string;
const runs: Map<string, AssertionResult>[] = [];
let secondRun: { status: number | null; output: string };

beforeAll(() => {
  const files = Object.fromEntries(readdirSync(fixtures).filter((f) => f.endsWith('.js')).map((f) => [`src/${f}`, readFileSync(join(fixtures, f), 'utf8')]));
  project = createProject('corpus', [pinned('jest'), ...CORPUS_PACKAGES], {
    ...files,
    'jest.config.js': `module.exports = { preset: 'jest-tracemalloc', transform: {}, testTimeout: 60000 };\n`,
  });
  // the whole corpus, then the baselines it wrote judged again under --ci
  for (const args of [[], ['--ci', 'src/budgets.test.js']]) {
    const run = runJest(project, ['-w', '2', ...args]);
    runs.push(new Map(run.files.flatMap((file) => file.assertionResults).map((r) => [r.fullName, r])));
    secondRun = run;
  }
}, 900000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const titles = (file: string): string[] => [...readFileSync(join(fixtures, file), 'utf8').matchAll(/^test\('([^']+)'/gm)].map((m) => m[1] as string);
const failOnPurpose = 'the message of a leak names its holder';

describe.each([
  [0, ['leaks.test.js', 'steady.test.js', 'budgets.test.js']],
  [1, ['budgets.test.js']],
])('run %i', (index, files) => {
  test.each(files.flatMap((file) => titles(file).map((title) => [file, title])))('%s › %s', (_file, title) => {
    const result = runs[index]?.get(title);
    expect(result).toBeDefined();
    const expected = title === failOnPurpose ? 'failed' : 'passed';
    // the message rides along, so a wrong verdict shows what was measured
    expect(`${result?.status}: ${stripColors(result?.failureMessages.join('\n') ?? '').slice(0, 1500)}`).toMatch(new RegExp(`^${expected}: `));
  });
});

test('the second run is a --ci run against the baselines the first one wrote, and passes', () => {
  expect(stripColors(secondRun.output)).toMatch(/Tests: +8 passed, 8 total/);
  expect(stripColors(secondRun.output)).toContain('Allocation baselines: 2 passed.');
});

test('a leak failure names the holder by its variable, where it was allocated, and the rule', () => {
  const text = stripColors(runs[0]?.get(failOnPurpose)?.failureMessages.join('\n') ?? '');
  expect(text).toContain('Expected fn not to leak: memory to stop growing as calls repeat');
  expect(text).toMatch(/Received: \+\d+(\.\d+)? B per call over the last [\d,]+ calls \(rounds of 16-[\d,]+ calls grew /);
  expect(text).toMatch(/a heap snapshot comparison over [\d,]+ more calls: the program's objects grew by \+[\d.]+ [KM]iB/);
  expect(text).toMatch(/What grew \(who holds it\):\n {2}Array held by `pending`: \+[\d.]+ [KM]iB, \+[\d,]+ objects/);
  // the closures and their contexts were made by deferWork (V8's allocation tracker gives a
  // function's own line, not the allocating line inside it)
  const line = lineOf(join(fixtures, 'leaks.test.js'), 'function deferWork()');
  // (in a worker whose heap passed 64 MiB the sites round is skipped, and the message says why)
  expect(text).toMatch(
    new RegExp(`Allocated by \\(objects still alive after a round of calls\\):\\n  deferWork \\(src/leaks\\.test\\.js:${line}\\): size=|Allocated by: not looked for, the heap \\(\\d+ MiB\\) is above 64 MiB`),
  );
  expect(text).toContain('A leak is growth of at least 4 B per call (threshold)');
});
