import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Snapshot, SnapshotFileError } from '../src';
import { counted, trace } from './helpers/traces';

const old = new Snapshot(
  [
    trace('heap', 100, '/app/a.js:1:main', '/app/b.js:2:parse'),
    trace('heap', 300, '/app/a.js:1:main', '/app/b.js:9:emit'),
    counted('external', 1000, 2, '/app/c.js:4:read'),
  ],
  2,
);
const now = new Snapshot(
  [
    trace('heap', 100, '/app/a.js:1:main', '/app/b.js:2:parse'),
    trace('heap', 50, '/app/a.js:1:main', '/app/b.js:2:parse'),
    trace('heap', 300, '/app/a.js:1:main', '/app/b.js:9:emit'),
    trace('heap', 700, '/app/b.js:9:emit', '/app/a.js:1:main'),
    counted('heap', 4000, 3, '/app/d.js:5:grow'),
  ],
  2,
);
const lines = (stats: unknown[]): string[] => stats.map(String);

describe('Snapshot.statistics', () => {
  test("'lineno' groups by the most recent frame, biggest first", () => {
    expect(lines(now.statistics('lineno'))).toEqual([
      '/app/d.js:5: size=3.91 KiB, count=3, average=1.3 KiB',
      '/app/a.js:1: size=700 B, count=1, average=700 B',
      '/app/b.js:9: size=300 B, count=1, average=300 B',
      '/app/b.js:2: size=150 B, count=2, average=75 B',
    ]);
  });

  test("'filename' groups by file", () => {
    expect(lines(now.statistics('filename'))).toEqual([
      '/app/d.js:0: size=3.91 KiB, count=3, average=1.3 KiB',
      '/app/a.js:0: size=700 B, count=1, average=700 B',
      '/app/b.js:0: size=450 B, count=3, average=150 B',
    ]);
  });

  test("'traceback' groups by whole stacks", () => {
    const stats = now.statistics('traceback');
    expect(stats.map((s) => [s.size, s.count, s.traceback.length])).toEqual([
      [4000, 3, 1],
      [700, 1, 2],
      [300, 1, 2],
      [150, 2, 2],
    ]);
  });

  test('cumulative counts a trace once for every distinct key of its traceback', () => {
    expect(lines(now.statistics('filename', true))).toEqual([
      '/app/d.js:0: size=3.91 KiB, count=3, average=1.3 KiB',
      '/app/a.js:0: size=1.12 KiB, count=4, average=288 B',
      '/app/b.js:0: size=1.12 KiB, count=4, average=288 B',
    ]);
    const byLine = now.statistics('lineno', true);
    expect(byLine.find((s) => String(s.traceback) === '/app/a.js:1')?.size).toBe(1150);
  });

  test('equal sizes are ordered by count, then by key, so output is stable', () => {
    const snap = new Snapshot([trace('heap', 10, '/z.js:1'), counted('heap', 10, 2, '/y.js:1'), trace('heap', 10, '/x.js:1')], 1);
    expect(snap.statistics('lineno').map((s) => String(s.traceback))).toEqual(['/y.js:1', '/x.js:1', '/z.js:1']);
  });

  test('bad keyType and cumulative traceback are refused with the contract in the message', () => {
    expect(() => now.statistics('line' as never)).toThrow("unknown keyType: string \"line\"; expected 'filename', 'lineno' or 'traceback'");
    expect(() => now.statistics('traceback', true)).toThrow("cumulative mode cannot be used with keyType 'traceback'");
    expect(() => now.statistics('lineno', 'yes' as never)).toThrow('cumulative must be a boolean');
  });
});

describe('Snapshot.compareTo', () => {
  test('diffs by key, biggest change first, with vanished keys as negative', () => {
    expect(lines(now.compareTo(old, 'lineno'))).toEqual([
      '/app/d.js:5: size=3.91 KiB (+3.91 KiB), count=3 (+3), average=1.3 KiB',
      '/app/c.js:4: size=0 B (-1000 B), count=0 (-2)',
      '/app/a.js:1: size=700 B (+700 B), count=1 (+1), average=700 B',
      '/app/b.js:2: size=150 B (+50 B), count=2 (+1), average=75 B',
      '/app/b.js:9: size=300 B (+0 B), count=1 (+0), average=300 B',
    ]);
  });

  test('refuses a non-snapshot', () => {
    expect(() => now.compareTo({} as never, 'lineno')).toThrow('compareTo() expects a Snapshot, got an object');
  });
});

describe('dump and load', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracemalloc-snap-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('round-trips traces, limit and sampling interval', () => {
    const file = join(dir, 'snap.json');
    const snap = new Snapshot(now.traces, 2, 4096);
    snap.dump(file);
    const loaded = Snapshot.load(file);
    expect(loaded.tracebackLimit).toBe(2);
    expect(loaded.samplingInterval).toBe(4096);
    expect(lines(loaded.statistics('traceback'))).toEqual(lines(snap.statistics('traceback')));
    expect(loaded.traces.map((t) => [t.domain, t.size, t.count, t.traceback.key])).toEqual(
      snap.traces.map((t) => [t.domain, t.size, t.count, t.traceback.key]),
    );
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').length).toBeGreaterThan(snap.traces.length); // one trace per line
  });

  const cases: [string, string | null, RegExp][] = [
    ['missing', null, /Cannot load snapshot .*missing\.json: no such file/],
    ['truncated', '{"format":"jest-tracemalloc-snapshot","version":1,"trace', /not valid JSON, the file may be truncated/],
    ['hostile', '{"format":"jest-tracemalloc-snapshot","version":1,"__proto__":{"polluted":true}}', /refusing key "__proto__"/],
    ['foreign', '{"name":"my-app","version":"1.0.0"}', /not a jest-tracemalloc snapshot \(format is undefined/],
    ['future', '{"format":"jest-tracemalloc-snapshot","version":9}', /unsupported snapshot version 9/],
    ['array', '[1,2]', /expected a JSON object/],
    [
      'dangling frame',
      '{"format":"jest-tracemalloc-snapshot","version":1,"tracebackLimit":1,"samplingInterval":1,"frames":[],"traces":[["heap",8,1,1,0]]}',
      /traces\[0\] refers to frame 0, which does not exist/,
    ],
    [
      'bad domain',
      '{"format":"jest-tracemalloc-snapshot","version":1,"tracebackLimit":1,"samplingInterval":1,"frames":[],"traces":[["gpu",8,1,0]]}',
      /traces\[0\] has unknown domain "gpu"/,
    ],
    [
      'negative size',
      '{"format":"jest-tracemalloc-snapshot","version":1,"tracebackLimit":1,"samplingInterval":1,"frames":[],"traces":[["heap",-8,1,0]]}',
      /traces\[0\] has a bad size/,
    ],
  ];
  test.each(cases)('a %s file gives a SnapshotFileError naming the file', (name, content, message) => {
    const file = join(dir, `${name.replace(' ', '-')}.json`);
    if (content !== null) writeFileSync(file, content);
    let error: unknown;
    try {
      Snapshot.load(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotFileError);
    expect((error as SnapshotFileError).file).toBe(file);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('dump writes atomically: a failed write leaves the old file and no temporary file', () => {
    const file = join(dir, 'snap.json');
    writeFileSync(file, 'previous');
    const bad = new Snapshot([trace('heap', 1, '/a.js:1')], 1);
    Object.defineProperty(bad, 'traces', { get: () => { throw new Error('boom'); } });
    expect(() => bad.dump(file)).toThrow('boom');
    expect(readFileSync(file, 'utf8')).toBe('previous');
    expect(() => now.dump(join(dir, 'no-such-dir', 'x.json'))).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  test('bad paths are TypeErrors', () => {
    expect(() => now.dump('' as never)).toThrow('dump() expects a file path');
    expect(() => Snapshot.load(42 as never)).toThrow('Snapshot.load() expects a file path, got number 42');
  });
});
