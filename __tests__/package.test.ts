import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The package as a user meets it: packed, installed into a fresh project, used from ESM, CommonJS
// and TypeScript exactly as the README shows. `npm test` builds build/ before this runs.
const root = resolve(__dirname, '..');
let project: string;
let files: string[];
let tarball: string;

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
  tarball = join(project, packed!.filename);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  // Jest's type packages at the versions this repo uses: for the matcher declarations.
  const versions = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const dev = (name: string): string => `${name}@${versions[`node_modules/${name}`].version}`;
  run('npm', ['install', '--no-audit', '--no-fund', tarball, dev('@jest/globals'), dev('@types/jest'), dev('@types/node'), dev('jest-environment-node')]);
}, 180000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

test('the tarball holds the build, the bundled pretty-bytes and the preset, not the sources', () => {
  expect(files).toEqual(
    expect.arrayContaining(['build/index.js', 'build/index.mjs', 'build/index.d.ts', 'build/index.d.mts', 'build/matchers.js', 'build/matchers.d.ts', 'build/environment.js', 'build/environment.d.ts', 'build/runner.js', 'build/reporter.js', 'build/reporter.d.ts', 'build/cli.js', 'vendor/pretty-bytes.cjs', 'jest-preset.js', 'jest.preset.js', 'package.json', 'README.md', 'LICENSE']),
  );
  expect(files.filter((f) => /^(src|__tests__|examples|bench)\//.test(f))).toEqual([]);
});

test('the packed package.json runs no script on install (npm 11 asks users to approve those)', () => {
  const { scripts = {} } = JSON.parse(run('tar', ['-xOzf', tarball, 'package/package.json'])) as { scripts?: Record<string, string> };
  expect(Object.keys(scripts).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
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

test('a plain ESM script finds where an object and an ArrayBuffer were allocated (trackObjects)', () => {
  // heap snapshots: synchronous on every line (V8 12+ no longer answers the inspector's within a call)
  writeFileSync(
    join(project, 'objects.mjs'),
    [
      "import { start, stop, getObjectTraceback, takeSnapshot, DomainFilter } from 'jest-tracemalloc';",
      '',
      'function makeRecord() { return { payload: new Array(100).fill(1) }; }',
      'function makeBuffer() { return new Uint8Array(1024 * 1024); }',
      '',
      'start({ nframe: 3, trackObjects: true });',
      'const record = makeRecord();',
      'const buffer = makeBuffer();',
      'const where = getObjectTraceback(record)?.mostRecent;',
      "const [external] = takeSnapshot().filterTraces([new DomainFilter(true, 'external')]).statistics('lineno');",
      'stop();',
      "console.log(JSON.stringify({ fn: where?.functionName, line: where?.lineno, external: String(external), kept: buffer.length }));",
    ].join('\n'),
  );
  // V8's allocation tracker now and then loses the site of an object that a GC moved (the first
  // snapshot's GC here): once in a CI run on Node 22 the 1 MiB buffer was missing from the second
  // snapshot, 0 times in the runs before and since. A known limit (README): up to 3 processes.
  const attempts: { fn: string; line: number; external: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const printed = JSON.parse(run('node', ['objects.mjs'])) as { fn: string; line: number; external: string };
    attempts.push(printed);
    if (printed.fn === 'makeRecord' && /objects\.mjs:4: size=1 MiB, count=1, average=1 MiB/.test(printed.external)) break;
  }
  const printed = attempts[attempts.length - 1] as { fn: string; line: number; external: string };
  expect({ printed, attempts: attempts.length }).toMatchObject({ printed: { fn: 'makeRecord', line: 3 } });
  expect(printed.external).toMatch(/objects\.mjs:4: size=1 MiB, count=1, average=1 MiB/);
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

// Every moduleResolution a user's tsconfig may have. `module: commonjs`, ts-jest's usual setup,
// implies node10, which ignores package.json "exports"; with skipLibCheck (also usual) an import that
// resolves nothing in a .d.ts is silent, and every matcher call then fails as an unknown property.
const resolutions = [
  { name: 'node10 (module: commonjs)', id: 'node10', module: 'commonjs', moduleResolution: 'node10' },
  { name: 'node16', id: 'node16', module: 'node16', moduleResolution: 'node16' },
  { name: 'nodenext', id: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'bundler', id: 'bundler', module: 'esnext', moduleResolution: 'bundler' },
];

/** A tsconfig for `files` (in project/types/) under one resolution, with the options users have. */
const resolutionConfig = (resolution: (typeof resolutions)[number], name: string, files: string[], types: string[]): string => {
  const file = join(project, 'types', `tsconfig.${resolution.id}.${name}.json`);
  const { module, moduleResolution } = resolution;
  const compilerOptions = { module, moduleResolution, target: 'ES2022', lib: ['ES2022'], strict: true, skipLibCheck: true, esModuleInterop: true, noEmit: true, types };
  writeFileSync(file, JSON.stringify({ compilerOptions, files }));
  return file;
};

/** The compiler's errors as `file(line): TS code` lines (or the code alone: a config's), to compare. */
const errorsOf = (output: string): string[] =>
  [...output.matchAll(/^(?:(\S+)\((\d+),\d+\): )?error (TS\d+)/gm)].map(([, file, line, code]) => (file ? `${file}(${line}): ${code}` : code!));

describe.each(resolutions)('the types of every subpath resolve under moduleResolution $name', (resolution) => {
  beforeAll(() => {
    mkdirSync(join(project, 'types'), { recursive: true });
    // The README's way: the matchers' types imported by a .d.ts of the project.
    writeFileSync(join(project, 'types', 'jest-tracemalloc.d.ts'), "import 'jest-tracemalloc/matchers';\n");
    writeFileSync(
      join(project, 'types', 'usage.test.ts'),
      [
        "import { expect as jestExpect } from '@jest/globals';",
        "import { measure, type Measurement } from 'jest-tracemalloc';",
        "import type { TracemallocEnvironmentOptions } from 'jest-tracemalloc/environment';",
        "import type { ReporterOptions } from 'jest-tracemalloc/reporter';",
        "import type * as runner from 'jest-tracemalloc/runner';",
        '',
        'const parse = (text: string): number[] => text.split(",").map(Number);',
        "test('memory', async () => {",
        "  expect(() => parse('1,2')).toAllocateLessThan('1MiB');",
        "  expect(() => parse('1,2')).not.toLeak();",
        "  expect(() => parse('1,2')).toMatchAllocationBaseline();",
        "  jestExpect(() => parse('1,2')).toRetainLessThan(1024, { runs: 3 });",
        "  await expect(async () => parse('1,2')).toAllocateLessThan('512 KiB', { warmup: 2 });",
        "  const m: Measurement = measure(() => parse('1,2'), { warmup: 1, runs: 5 });",
        '  expect(m.allocated).toBeGreaterThan(0);',
        '});',
        "export const environment: TracemallocEnvironmentOptions = { sites: { samplingInterval: 4096, top: 3 }, retained: true };",
        "export const reporter: ReporterOptions = { outputFile: 'memory.json', top: 5 };",
        'export type Runner = typeof runner;',
      ].join('\n'),
    );
    // Misuses the compiler must refuse once the matchers are known (the `types` entry's way).
    writeFileSync(
      join(project, 'types', 'misuse.test.ts'),
      ["test('misuse', () => {", '  expect(() => 1).toAllocateLessThan(true);', "  expect(() => 1).toAlocateLessThan('1MiB');", '});', 'export {};'].join('\n'),
    );
  });

  test('a test file using the matchers, measure() and the plugin types checks (skipLibCheck on)', () => {
    const tsconfig = resolutionConfig(resolution, 'usage', ['jest-tracemalloc.d.ts', 'usage.test.ts'], ['jest', 'node']);
    expect(typecheck(tsconfig)).toEqual({ status: 0, output: '' });
  });

  test('a misused matcher fails to check, with the matchers listed in `types` (the check can fail)', () => {
    const tsconfig = resolutionConfig(resolution, 'misuse', ['misuse.test.ts'], ['jest', 'node', 'jest-tracemalloc/matchers']);
    const { status, output } = typecheck(tsconfig);
    // TS2345: `true` is no Size; TS2551: "did you mean 'toAllocateLessThan'?", known only with the types.
    expect({ status, errors: errorsOf(output) }).toEqual({ status: 2, errors: ['types/misuse.test.ts(2): TS2345', 'types/misuse.test.ts(3): TS2551'] });
  });
});

test('measure() and detectLeak() need no cast: sync, async and maybe-async functions', () => {
  writeFileSync(
    join(project, 'measure-types.mts'),
    [
      "import { measure, detectLeak, type Measurement, type LeakReport } from 'jest-tracemalloc';",
      'declare const parse: (text: string) => number[];',
      'declare const load: (url: string) => Promise<string>;',
      'declare const cached: (url: string) => string | Promise<string>; // a hit answers at once',
      "const sync: Measurement = measure(() => parse('1'), { runs: 3 });",
      "const untyped: number = measure(() => JSON.parse('[1]')).allocated; // any: taken as sync",
      "const done: Measurement = measure(() => { parse('1'); });",
      "const later: Promise<Measurement> = measure(() => load('a'));",
      "const laterToo: Promise<Measurement> = measure(async () => parse('1'));",
      "const either: Measurement | Promise<Measurement> = measure(() => cached('a'));",
      'const unknownToo: Measurement = measure((): unknown => 1); // as JSON.parse(s) as unknown',
      'export const allocated = async (fn: () => unknown): Promise<number> => (await measure(fn)).allocated;',
      'export const allocatedOf = <T,>(fn: () => T | Promise<T>): number | Promise<number> => {',
      '  const m = measure(fn); // generic: a measurement or a promise of one, narrowed without a cast',
      '  return m instanceof Promise ? m.then((done) => done.allocated) : m.allocated;',
      '};',
      "const report: LeakReport = detectLeak(() => parse('1'), { rounds: 4 });",
      "const reportLater: Promise<LeakReport> = detectLeak(async () => load('a'));",
      "const reportEither: LeakReport | Promise<LeakReport> = detectLeak(() => cached('a'));",
      'export const out = [sync, untyped, done, later, laterToo, either, unknownToo, report, reportLater, reportEither];',
    ].join('\n'),
  );
  // Each line must fail: a result that may be a promise is no Measurement, and the other way round.
  writeFileSync(
    join(project, 'measure-misuse.mts'),
    [
      "import { measure, detectLeak, type Measurement, type LeakReport } from 'jest-tracemalloc';",
      'declare const cached: (url: string) => string | Promise<string>;',
      "export const a: Measurement = measure(() => cached('a'));",
      'export const c: Measurement = measure(async () => 1);',
      'export const d: Promise<Measurement> = measure(() => 1);',
      "export const e: LeakReport = detectLeak(() => cached('a'));",
      'export const g: Promise<LeakReport> = detectLeak(() => 1);',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.measure.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: [], lib: ['ES2022'], target: 'ES2022' }, files: ['measure-types.mts', 'measure-misuse.mts'] }),
  );
  const { status, output } = typecheck('tsconfig.measure.json');
  const lines = errorsOf(output).map((error) => error.replace(/: TS\d+$/, '')); // TS2322, TS2739 or TS2740
  expect({ status, lines }).toEqual({ status: 2, lines: [3, 4, 5, 6, 7].map((line) => `measure-misuse.mts(${line})`) });
});
