import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The package as a user meets it: packed, installed into a fresh project, used from ESM, CommonJS
// and TypeScript exactly as the README shows. `npm test` builds build/ before this runs.
const root = resolve(__dirname, '..');
let project: string;
let files: string[];

/** Type-checks with the repo's TypeScript; the compiler's output is the failure message. */
const typecheck = (tsconfig: string): { status: number | null; output: string } => {
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], { cwd: project, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
};

const run = (command: string, args: string[], cwd = project): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'tracemalloc-user-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], root)) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = packed!.files.map((f) => f.path);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  // Jest's type packages at the versions this repo uses: for the matcher declarations.
  const versions = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const dev = (name: string): string => `${name}@${versions[`node_modules/${name}`].version}`;
  run('npm', ['install', '--no-audit', '--no-fund', join(project, packed!.filename), dev('@jest/globals'), dev('@types/jest'), dev('@types/node'), dev('jest-environment-node')]);
}, 180000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

test('the tarball holds the build, the bundled pretty-bytes and the preset, not the sources', () => {
  expect(files).toEqual(
    expect.arrayContaining(['build/index.js', 'build/index.mjs', 'build/index.d.ts', 'build/index.d.mts', 'build/matchers.js', 'build/matchers.d.ts', 'build/environment.js', 'build/environment.d.ts', 'build/runner.js', 'build/reporter.js', 'build/reporter.d.ts', 'build/cli.js', 'vendor/pretty-bytes.cjs', 'jest-preset.js', 'jest.preset.js', 'package.json', 'README.md', 'LICENSE']),
  );
  expect(files.filter((f) => /^(src|__tests__|examples|bench)\//.test(f))).toEqual([]);
});

test('a plain ESM script uses the API as the README shows', () => {
  writeFileSync(
    join(project, 'main.mjs'),
    [
      "import { start, takeSnapshot, stop, measure, Filter, tracerFilenamePattern } from 'jest-tracemalloc';",
      '',
      'function buildList() { return Array.from({ length: 20000 }, (_, n) => ({ n })); }',
      '',
      'start();',
      'const list = buildList();',
      'const snapshot = takeSnapshot().filterTraces([new Filter(false, tracerFilenamePattern)]);',
      'stop();',
      "for (const stat of snapshot.statistics('lineno').slice(0, 3)) console.log(String(stat));",
      'const { allocated } = measure(() => new Uint8Array(1024 * 1024));',
      "console.log('allocated', allocated, list.length);",
    ].join('\n'),
  );
  const output = run('node', ['main.mjs']);
  expect(output).toMatch(new RegExp(`${project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/main\\.mjs:3: size=[\\d.]+ KiB, count=\\d+, average=\\d+ B`));
  expect(Number(/allocated (\d+)/.exec(output)?.[1])).toBeGreaterThanOrEqual(1024 * 1024);
  expect(output).not.toContain('node_modules/jest-tracemalloc');
});

test('require() and import share one copy of the classes; the preset resolves', () => {
  writeFileSync(
    join(project, 'both.cjs'),
    [
      "const cjs = require('jest-tracemalloc');",
      "import('jest-tracemalloc').then((esm) => {",
      "  console.log(esm.Snapshot === cjs.Snapshot, esm.default.start === cjs.start, typeof cjs.measure);",
      "  console.log(require.resolve('jest-tracemalloc/jest-preset'), require('jest-tracemalloc/package.json').name);",
      '});',
    ].join('\n'),
  );
  const [identity, preset] = run('node', ['both.cjs']).trim().split('\n');
  expect(identity).toBe('true true function');
  expect(preset).toBe(`${join(project, 'node_modules', 'jest-tracemalloc', 'jest-preset.js')} jest-tracemalloc`);
});

test('the preset wires the environment, runner, matchers and reporter of the installed package', () => {
  writeFileSync(join(project, 'preset.cjs'), "console.log(JSON.stringify(require('jest-tracemalloc/jest-preset')));");
  const installed = join(project, 'node_modules', 'jest-tracemalloc', 'build');
  expect(JSON.parse(run('node', ['preset.cjs']))).toEqual({
    testEnvironment: join(installed, 'environment.js'),
    testRunner: join(installed, 'runner.js'),
    setupFilesAfterEnv: [join(installed, 'matchers.js')],
    reporters: ['default', join(installed, 'reporter.js')],
  });
});

test('the environment and reporter types check: options, per-test figures, the report', () => {
  writeFileSync(
    join(project, 'plugin-types.mts'),
    [
      "import type { TracemallocEnvironmentOptions, TestMemory } from 'jest-tracemalloc/environment';",
      "import type { MemoryReport, ReporterOptions } from 'jest-tracemalloc/reporter';",
      'const options: TracemallocEnvironmentOptions = { sites: { samplingInterval: 4096, top: 3 }, retained: true, hideFrames: ["*/vendor/*"] };',
      "const reporter: ReporterOptions = { outputFile: 'reports/memory.json', top: 5 };",
      'export const sizes = (report: MemoryReport): number[] => report.tests.map((t) => t.allocated + (t.retained ?? 0));',
      'export const names = (tests: TestMemory[]): string[] => tests.map((t) => t.name);',
      '// @ts-expect-error sites takes a boolean or an object',
      "export const wrong: TracemallocEnvironmentOptions = { sites: 'yes' };",
      'export { options, reporter };',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.plugin.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: ['node'], lib: ['ES2022'], target: 'ES2022' }, files: ['plugin-types.mts'] }),
  );
  expect(typecheck('tsconfig.plugin.json')).toEqual({ status: 0, output: '' });
});

test('the matcher types check on the global expect and on @jest/globals', () => {
  writeFileSync(
    join(project, 'matchers.test.mts'),
    [
      "import { expect as jestExpect, test } from '@jest/globals';",
      "import 'jest-tracemalloc/matchers';",
      "test('budgets', async () => {",
      "  jestExpect(() => 1).toAllocateLessThan('1MiB');",
      "  jestExpect(() => 1).not.toRetainLessThan(1024, { runs: 3 });",
      '  await jestExpect(async () => 1).toAllocateLessThan(512 * 1024, { warmup: 2 });',
      '  jestExpect(() => 1).not.toLeak({ rounds: 4 });',
      "  jestExpect(() => 1).toMatchAllocationBaseline({ tolerance: '5%', retained: true });",
      "  await expect(async () => 1).toMatchAllocationBaseline({ tolerance: { percent: 5, bytes: '8KiB' } });",
      '  // @ts-expect-error tolerance is a string, a number or { percent, bytes }',
      '  expect(() => 1).toMatchAllocationBaseline({ tolerance: true });',
      "  expect(() => 1).toAllocateLessThan('100kB');",
      '  expect(() => 1).not.toLeak();',
      '  // @ts-expect-error a limit is a number or a string',
      '  jestExpect(() => 1).toAllocateLessThan({});',
      '  // @ts-expect-error unknown option',
      "  expect(() => 1).toRetainLessThan('1MiB', { sites: true });",
      '});',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.matchers.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: ['jest', 'node'], lib: ['ES2022'], target: 'ES2022' }, files: ['matchers.test.mts'] }),
  );
  expect(typecheck('tsconfig.matchers.json')).toEqual({ status: 0, output: '' });
});

test('the types check in a strict TypeScript ESM project', () => {
  writeFileSync(
    join(project, 'check.mts'),
    [
      "import { start, takeSnapshot, measure, Snapshot, type Statistic, type Measurement } from 'jest-tracemalloc';",
      'start({ nframe: 5, samplingInterval: 4096 });',
      "const stats: Statistic[] = takeSnapshot().statistics('lineno');",
      'const m: Measurement = measure(() => 1);',
      'const p: Promise<Measurement> = measure(async () => 1);',
      "// @ts-expect-error unknown key type",
      "takeSnapshot().statistics('line');",
      'export const out = [stats, m, p, Snapshot.load];',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: [], lib: ['ES2022'], target: 'ES2022' }, files: ['check.mts'] }),
  );
  expect(typecheck('tsconfig.json')).toEqual({ status: 0, output: '' });
});
