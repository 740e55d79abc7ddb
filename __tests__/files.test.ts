import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteFileError, writeFileAtomic } from '../src/util/write-file-atomic';
import { drive, TimeLimitError, type Procedure } from '../src/measure/drive';
import { SourceMapper } from '../src/source/source-maps';

// Writing files whole, and calls that stop at a time limit: the pieces under baselines, reports,
// snapshots and the matchers' time limit.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracemalloc-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  test('an error names the file asked for, never the temporary one, and leaves nothing behind', () => {
    const file = join(dir, 'missing-folder', 'merged.json');
    let error: unknown;
    try {
      writeFileAtomic(file, '{}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WriteFileError);
    expect((error as WriteFileError).message).toBe(`cannot write ${file}: ENOENT: no such file or directory`);
    expect((error as WriteFileError).code).toBe('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });

  test("temporary files of writers that died between write and rename go at the next write; a live writer's stay", () => {
    const file = join(dir, 'report.json');
    const dead = `${file}.999999999-0-3.tmp`; // no such process
    const live = `${file}.${process.pid}-1-7.tmp`; // this process: a write in flight
    const other = join(dir, 'other.json.999999999-0-1.tmp'); // another file's
    for (const f of [dead, live, other]) writeFileSync(f, 'half');
    writeFileAtomic(file, 'whole');
    expect(readFileSync(file, 'utf8')).toBe('whole');
    expect([existsSync(dead), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
  });
});

describe('drive with a deadline', () => {
  function* calls(n: number): Procedure<number> {
    let i = 0;
    try {
      for (; i < n; i++) yield;
    } finally {
      cleaned = i;
    }
    return i;
  }
  let cleaned = -1;

  test('synchronous calls stop past the deadline, after the procedure cleaned up', () => {
    cleaned = -1;
    const slow = (): void => {
      const until = performance.now() + 2;
      while (performance.now() < until);
    };
    let error: unknown;
    try {
      drive(slow, calls(1_000_000), { started: performance.now(), limit: Infinity, syncLimit: 50 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimeLimitError);
    // each call takes at least 2 ms: at most 26 fit before the limit (fewer on a loaded machine)
    expect((error as TimeLimitError).calls).toBeGreaterThanOrEqual(1);
    expect((error as TimeLimitError).calls).toBeLessThanOrEqual(26);
    expect((error as Error).message).toMatch(/^stopped after \d+ calls: the time limit of 50 ms was reached$/);
    expect((error as TimeLimitError).asynchronous).toBe(false);
    expect(cleaned).toBe((error as TimeLimitError).calls);
  });

  test('asynchronous calls stop too, instead of running on after their test timed out', async () => {
    cleaned = -1;
    let made = 0;
    const promise = drive(async () => {
      made++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }, calls(1_000_000), { started: performance.now(), limit: 60, syncLimit: Infinity });
    await expect(promise).rejects.toBeInstanceOf(TimeLimitError);
    const stoppedAt = made;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(made).toBe(stoppedAt);
    expect([made - 1, made]).toContain(cleaned); // stopped between two calls or during the last one
  });

  test('a call whose promise never settles stops at the deadline, and the procedure cleans up', async () => {
    cleaned = -1;
    let made = 0;
    const started = performance.now();
    const promise = drive(() => (made++ < 3 ? Promise.resolve() : new Promise(() => {})), calls(1_000_000), { started, limit: 80, syncLimit: Infinity });
    await expect(promise).rejects.toMatchObject({ name: 'TimeLimitError', calls: 4, asynchronous: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(79);
    expect(cleaned).toBe(3); // the procedure saw three calls through, then cleaned up
  });

  test('without a deadline every call is made', () => {
    expect(drive(() => 1, calls(1000))).toBe(1000);
  });
});

describe('SourceMapper', () => {
  // generated.js line 1 maps to line 10 of its source; the source is on disk or not
  const map = (source: string) =>
    Buffer.from(JSON.stringify({ version: 3, sources: [source], names: [], mappings: ';;AASA' })).toString('base64');
  const script = (name: string, source: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `// generated\n\nfunction f() {}\n//# sourceMappingURL=data:application/json;base64,${map(source)}\n`);
    return file;
  };
  const position = (file: string) => ({ url: `file://${file}`, scriptId: file, lineNumber: 2, columnNumber: 0 });

  test('maps to the original source when it is on disk', () => {
    writeFileSync(join(dir, 'original.ts'), 'x');
    const file = script('present.js', 'original.ts');
    expect(new SourceMapper().original(position(file))).toEqual({ filename: join(dir, 'original.ts'), line: 10, column: 1 });
  });

  test('a map whose source is not on disk (shipped without its sources) gives way to the file that runs', () => {
    const file = script('shipped.js', 'src/Lexer.ts');
    expect(new SourceMapper().original(position(file))).toEqual({ filename: file, line: 3, column: 1 });
  });
});
