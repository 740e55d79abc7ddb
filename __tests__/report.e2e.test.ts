import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProject, pinned, runJest, stripColors } from './helpers/fixture-project';

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
  peak: number;
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
/** A copy of a report of the project, changed by `change`, written as `name`. */
const variant = (from: string, name: string, change: (report: Report) => void): string => {
  const report = read(from);
  change(report);
  writeFileSync(join(project, name), JSON.stringify(report));
  return name;
};
const noStackTrace = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

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

describe('merge refuses overlapping reports, which would count tests twice', () => {
  test('the same report given twice', () => {
    const result = cli('merge', 'shard1.json', 'shard2.json', 'shard1.json', '-o', 'twice.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`jest-tracemalloc: shard1.json is given twice: merging would count its ${read('shard1.json').tests.length} tests twice`);
    noStackTrace(result.stderr);
    expect(existsSync(join(project, 'twice.json'))).toBe(false);
  });

  test('a copy of a shard: the test file in two reports is named, with both reports', () => {
    const copy = variant('shard1.json', 'shard1-copy.json', () => {});
    const file = read('shard1.json').tests[0]?.file;
    const result = cli('merge', 'shard1.json', 'shard2.json', copy, '-o', 'overlap.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`jest-tracemalloc: ${file} is in both shard1.json and shard1-copy.json: the reports overlap`);
    noStackTrace(result.stderr);
    expect(existsSync(join(project, 'overlap.json'))).toBe(false);
  });

  test('one test of a file in another shard\'s report is an overlap too', () => {
    const stray = variant('shard2.json', 'shard2-stray.json', (report) => report.tests.push({ ...(read('shard1.json').tests[0] as Entry), name: 'a stray test' }));
    const file = read('shard1.json').tests[0]?.file;
    const result = cli('merge', 'shard1.json', stray, '-o', 'overlap.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`jest-tracemalloc: ${file} is in both shard1.json and shard2-stray.json`);
  });

  test('tests of the same name in one file (test.each) still merge', () => {
    const each = variant('shard1.json', 'shard1-each.json', (report) => report.tests.splice(1, 0, report.tests[0] as Entry));
    const count = read(each).tests.length + read('shard2.json').tests.length;
    const result = cli('merge', each, 'shard2.json', '-o', 'merged-each.json');
    expect(count).toBe(5);
    expect(result).toMatchObject({ code: 0, stdout: `Merged 2 reports (${count} tests) into merged-each.json\n` });
  });
});

describe('compare', () => {
  test('two runs of unchanged code: every test listed, no failure at 50%', () => {
    const result = cli('compare', 'memory-report.json', 'merged.json', '--fail-above', '50%');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 tests in both, 0 only in head, 0 only in base');
    expect(result.stdout).toContain('no test grew by more than 50%');
  });

  test('a test that doubles fails the gate, with exit code 1, listed first', () => {
    variant('memory-report.json', 'doubled.json', (report) => {
      const big = report.tests.find((t: Entry) => t.name === 'a 4 MiB typed array') as Entry;
      big.heap *= 2;
      big.external *= 2;
      big.allocated *= 2;
    });
    const result = cli('compare', 'memory-report.json', 'doubled.json', '--fail-above', '50%');
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')[1]).toMatch(/^✗ src\/big\.test\.ts › a 4 MiB typed array +4(\.\d+)? MiB +8(\.\d+)? MiB +\+4(\.\d+)? MiB \(\+100\.0%\)$/);
    expect(result.stdout).toContain('1 test(s) grew by more than 50%');
    expect(result.stdout).not.toContain('had no base');
  });

  describe('a gate that compared nothing fails, and says so', () => {
    const empty = () => variant('memory-report.json', 'empty.json', (report) => (report.tests = []));
    const renamed = () => variant('memory-report.json', 'renamed.json', (report) => report.tests.forEach((t) => (t.file = `moved/${t.file}`)));

    test.each([
      ['head has no tests', () => ['memory-report.json', empty()], 'head has no tests', '0 only in head, 4 only in base'],
      ['base has no tests', () => [empty(), 'memory-report.json'], 'base has no tests', '4 only in head, 0 only in base'],
      ['every test renamed', () => ['memory-report.json', renamed()], 'none of the 4 tests of head is in base (renamed or moved?)', '4 only in head, 4 only in base'],
    ])('%s', (_, files, why, counts) => {
      const result = cli('compare', ...files(), '--fail-above', '25%');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`0 tests in both, ${counts}`);
      expect(result.stdout).toContain(`nothing compared: ${why}; the gate fails (--allow-empty lets it pass)`);
      expect(result.stdout).not.toContain('no test grew');
    });

    test('--allow-empty lets it pass, still saying so', () => {
      const result = cli('compare', 'memory-report.json', empty(), '--fail-above', '25%', '--allow-empty');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('nothing compared: head has no tests; passing, as --allow-empty asks');
    });

    test('without --fail-above there is no gate: exit 0, the same words', () => {
      const result = cli('compare', 'memory-report.json', renamed());
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('nothing compared: none of the 4 tests of head is in base');
    });

    test('--allow-empty is in the usage text', () => {
      expect(cli('compare', '--help').stdout).toMatch(/--allow-empty +let --fail-above pass when no test is in both reports/);
    });
  });

  test('a gate that compared some tests says how many of head had no base, and passes', () => {
    const partly = variant('memory-report.json', 'partly-renamed.json', (report) => ((report.tests[0] as Entry).name = 'a renamed test'));
    const result = cli('compare', 'memory-report.json', partly, '--fail-above', '25%');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 tests in both, 1 only in head, 1 only in base');
    expect(result.stdout).toContain('no test grew by more than 25%\n1 of 4 tests of head had no base: not compared');
  });
});

describe('a report whose figures cannot be true is refused, naming the file, the test and the field', () => {
  const big = (report: Report): Entry => report.tests.find((t) => t.name === 'a 4 MiB typed array') as Entry;
  const refused = (file: string, message: string): void => {
    const which = `tests[${read('memory-report.json').tests.findIndex((t) => t.name === 'a 4 MiB typed array')}] (src/big.test.ts › a 4 MiB typed array)`;
    for (const args of [['compare', 'memory-report.json', file], ['merge', file, '-o', 'never.json']]) {
      const result = cli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`jest-tracemalloc: Cannot read report ${file}: ${which} ${message}`);
      noStackTrace(result.stderr);
    }
    expect(existsSync(join(project, 'never.json'))).toBe(false);
  };

  test.each([
    ['allocated', -1],
    ['heap', -1],
    ['external', -4],
    ['peak', -8],
  ] as const)('a negative "%s"', (field, value) => {
    const file = variant('memory-report.json', `negative-${field}.json`, (report) => (big(report)[field] = value));
    refused(file, `has a negative "${field}" (${value})`);
  });

  test('"allocated" other than heap + external', () => {
    const { allocated, heap, external } = big(read('memory-report.json'));
    const file = variant('memory-report.json', 'sum.json', (report) => (big(report).allocated += 1));
    refused(file, `has "allocated" ${allocated + 1}, not "heap" + "external" (${heap} + ${external} = ${allocated})`);
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
    [['compare', 'rows.snapshot.json', 'rows.snapshot.json', '--fail-above', '10%'], '--fail-above gates two reports (memory-report.json); rows.snapshot.json and rows.snapshot.json are snapshots'],
    [['compare', 'memory-report.json', 'merged.json', '--key', 'lineno'], '--key groups the statistics of two snapshots; reports are compared per test'],
    [['show', 'memory-report.json'], 'Cannot load snapshot memory-report.json: not a jest-tracemalloc snapshot'],
    [['show', 'rows.snapshot.json', '--key', 'line'], '--key must be one of filename, lineno, traceback, got "line"'],
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

describe('a run without figures says why', () => {
  const OLD_HINT = 'no per-test figures. Use `preset';
  /** A project of its own in a folder of the fixture project (rootDir: the folder), run by its Jest. */
  const runFolder = (folder: string, config: object, files: Record<string, string>) => {
    mkdirSync(join(project, folder), { recursive: true });
    writeFileSync(join(project, folder, 'jest.config.js'), `module.exports = ${JSON.stringify(config)};\n`);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(project, folder, name), text);
    return runJest(project, ['--ci', '-c', `${folder}/jest.config.js`]);
  };

  test('the preset, and the one test file has a syntax error: it failed to run', () => {
    const run = runFolder('syntax-error', { preset: 'jest-tracemalloc' }, { 'broken.test.js': "test('x', () => {\n  const = 1;\n});\n" });
    expect(run.files.map((f) => f.status)).toEqual(['failed']);
    const output = stripColors(run.output);
    expect(output).toContain('jest-tracemalloc: no per-test figures: 1 test file(s) failed to run (first: broken.test.js: SyntaxError: broken.test.js: Unexpected token (2:8))');
    expect(output).not.toContain(OLD_HINT);
    expect(output).not.toContain('Use `preset');
  });

  test('the preset with a wrong tracemalloc option, which fails every file', () => {
    const body = "test('ok', () => { expect(1).toBe(1); });\n";
    const run = runFolder('bad-option', { preset: 'jest-tracemalloc', testEnvironmentOptions: { tracemalloc: { sites: 'yes' } } }, { 'a.test.js': body, 'b.test.js': body });
    expect(run.files.map((f) => f.status)).toEqual(['failed', 'failed']);
    const output = stripColors(run.output);
    expect(output).toMatch(
      /^jest-tracemalloc: no per-test figures: 2 test file\(s\) failed to run \(first: [ab]\.test\.js: EnvironmentOptionsError: jest-tracemalloc: testEnvironmentOptions\.tracemalloc: sites must be a boolean or \{ samplingInterval\?, top\? \}, got string "yes"\)$/m,
    );
    expect(output).not.toContain(OLD_HINT);
    expect(output).not.toContain('Use `preset');
  });

  test('the reporter alone: the files ran, and the hint names the environment and runner they ran with', () => {
    const run = runFolder('reporter-only', { reporters: ['default', 'jest-tracemalloc/reporter'] }, { 'ok.test.js': "test('ok', () => { expect(1).toBe(1); });\n" });
    expect(run.files.map((f) => f.status)).toEqual(['passed']);
    expect(stripColors(run.output)).toContain(
      "jest-tracemalloc: no per-test figures: 1 test file(s) ran without them (first: ok.test.js): testEnvironment jest-environment-node and testRunner jest-circus are not jest-tracemalloc's. " +
        "Use `preset: 'jest-tracemalloc'`, or both `testEnvironment: 'jest-tracemalloc/environment'` and `testRunner: 'jest-tracemalloc/runner'`.",
    );
  });
});
