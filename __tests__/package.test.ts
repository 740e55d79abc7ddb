import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The package as a user meets it: packed, installed into a fresh project, used from ESM, CommonJS
// and TypeScript exactly as the README shows. `npm test` builds dist/ before this runs.
const root = resolve(__dirname, '..');
let project: string;
let files: string[];

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
  run('npm', ['install', '--no-audit', '--no-fund', join(project, packed!.filename)]);
}, 180000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

test('the tarball holds the build, the bundled pretty-bytes and the preset, not the sources', () => {
  expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'vendor/pretty-bytes.cjs', 'jest-preset.js', 'jest.preset.js', 'package.json', 'README.md']));
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
  expect(() => run('node', [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'])).not.toThrow();
});
