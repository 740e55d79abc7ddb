import TracemallocReporter from '../src/reporter';

// Why the reporter got no figures, from what Jest hands it (results as workers serialize them: plain objects).
const OLD_HINT = 'no per-test figures. Use `preset';
const HINT = "Use `preset: 'jest-tracemalloc'`, or both `testEnvironment: 'jest-tracemalloc/environment'` and `testRunner: 'jest-tracemalloc/runner'`.";
const ours = (which: string) => `/project/node_modules/jest-tracemalloc/build/${which}.js`;
const test_ = (testEnvironment: string, testRunner: string) => ({ context: { config: { testEnvironment, testRunner } } });
const preset = test_(ours('environment'), ours('runner'));
const failed = (file: string, failureMessage: string | null, testExecError: object | null = { message: 'x', stack: '' }) => ({
  testFilePath: `/project/${file}`,
  testResults: [],
  testExecError,
  failureMessage,
});
const ran = (file: string) => ({ testFilePath: `/project/${file}`, testResults: [{ fullName: 't', status: 'passed' }], failureMessage: null });

function printed(files: [unknown, ReturnType<typeof failed> | ReturnType<typeof ran>][]): string {
  const reporter = new TracemallocReporter({ rootDir: '/project' }, { outputFile: false, githubSummary: false });
  const out: string[] = [];
  reporter.out = { write: (text: string) => out.push(text) };
  reporter.onRunStart();
  for (const [test, result] of files) reporter.onTestFileResult(test as never, result);
  reporter.onRunComplete();
  return out.join('');
}

test('files that failed to run: how many, the first one and its error line, colors and rootDir left out', () => {
  const message = '  \u001b[1m\u001b[31m● Test suite failed to run\u001b[39m\u001b[22m\n\n    Jest encountered an unexpected token\n\n    Details:\n\n    SyntaxError: /project/src/a.test.js: Unexpected token (2:8)\n\n    > 2 |   const = 1;\n\n      at constructor (node_modules/@babel/parser/lib/index.js:1:1)\n';
  const text = printed([
    [preset, failed('src/a.test.js', message)],
    [preset, failed('src/b.test.js', '  ● Test suite failed to run\n\n    boom\n\n      at x (y.js:1:1)\n')],
  ]);
  expect(text).toBe('\njest-tracemalloc: no per-test figures: 2 test file(s) failed to run (first: src/a.test.js: SyntaxError: src/a.test.js: Unexpected token (2:8))\n');
});

test('a failure message without assertion results, and no testExecError, is a file that failed to run', () => {
  const text = printed([[preset, failed('src/a.test.js', '  ● Test suite failed to run\n\n    TypeError: x is not a function\n', null)]]);
  expect(text).toContain('1 test file(s) failed to run (first: src/a.test.js: TypeError: x is not a function)');
  expect(text).not.toContain(OLD_HINT);
});

test.each([
  ['neither is ours', test_('/project/node_modules/jest-environment-node/build/index.js', '/project/node_modules/jest-circus/build/runner.js'), ": testEnvironment jest-environment-node and testRunner jest-circus are not jest-tracemalloc's"],
  ['our runner, another environment', test_('/project/node_modules/@acme/jest-env/index.js', ours('runner')), ': testEnvironment @acme/jest-env measures nothing'],
  ['our environment, another runner', test_(ours('environment'), '/project/node_modules/jest-circus/build/runner.js'), ": testRunner jest-circus does not hand the environment's figures to reporters"],
  ['a runner of the project', test_(ours('environment'), '/project/tools/runner.js'), ": testRunner tools/runner.js does not hand the environment's figures to reporters"],
  ['no config known', undefined, ''],
])('files that ran without figures, %s: the hint says what they ran with', (_, test, why) => {
  expect(printed([[test, ran('src/a.test.js')], [test, ran('src/b.test.js')]])).toBe(`\njest-tracemalloc: no per-test figures: 2 test file(s) ran without them (first: src/a.test.js)${why}. ${HINT}\n`);
});

test('some failed to run and some ran without figures: both are said', () => {
  const other = test_('/project/node_modules/jest-environment-node/build/index.js', '/project/node_modules/jest-circus/build/runner.js');
  const lines = printed([
    [preset, failed('src/a.test.js', null, { message: 'jest-tracemalloc: testEnvironmentOptions.tracemalloc: unknown option "site"', stack: '' })],
    [other, ran('src/b.test.js')],
  ]).split('\n');
  expect(lines[1]).toBe('jest-tracemalloc: no per-test figures: 1 test file(s) failed to run (first: src/a.test.js: jest-tracemalloc: testEnvironmentOptions.tracemalloc: unknown option "site")');
  expect(lines[2]).toMatch(/^jest-tracemalloc: no per-test figures: 1 test file\(s\) ran without them \(first: src\/b\.test\.js\): /);
});

test('nothing is said when one file brought figures, nor when no file ran', () => {
  const withFigures = {
    ...ran('src/c.test.js'),
    tracemalloc: { version: 1 as const, tests: [{ name: 't', allocated: 1, heap: 1, external: 0, peak: 1, attempts: 1 }], warnings: [] },
  };
  expect(printed([[preset, failed('src/a.test.js', 'boom')], [preset, withFigures]])).not.toContain('no per-test figures');
  expect(printed([])).toBe('');
});
