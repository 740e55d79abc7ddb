import { Frame, Statistic, StatisticDiff, Traceback } from '../src';

const here = __filename;

describe('Frame', () => {
  test('prints as filename:lineno and compares by position and name', () => {
    const frame = new Frame('/src/parse.ts', 42, 'parse', 3);
    expect(String(frame)).toBe('/src/parse.ts:42');
    expect(frame.equals(new Frame('/src/parse.ts', 42, 'parse', 3))).toBe(true);
    expect(frame.equals(new Frame('/src/parse.ts', 43, 'parse', 3))).toBe(false);
    expect(frame.toJSON()).toEqual({ filename: '/src/parse.ts', lineno: 42, column: 3, functionName: 'parse' });
  });
});

describe('Traceback', () => {
  const tb = new Traceback([new Frame('/a.js', 1, 'main'), new Frame(here, 1, 'load'), new Frame('/c.js', 3, '')], 7);

  test('is ordered oldest first and prints its most recent frame', () => {
    expect(tb.length).toBe(3);
    expect(tb.totalNframe).toBe(7);
    expect(tb.mostRecent?.filename).toBe('/c.js');
    expect(String(tb)).toBe('/c.js:3');
    expect([...tb].map((f) => f.lineno)).toEqual([1, 1, 3]);
  });

  test('format() gives Python-style lines with the source line when the file is readable', () => {
    expect(tb.format()).toEqual([
      '  File "/a.js", line 1, in main',
      `  File "${here}", line 1, in load`,
      "    import { Frame, Statistic, StatisticDiff, Traceback } from '../src';",
      '  File "/c.js", line 3',
    ]);
  });

  test('format(limit) keeps the most recent frames, a negative limit the oldest', () => {
    expect(tb.format(1)).toEqual(['  File "/c.js", line 3']);
    expect(tb.format(-1)).toEqual(['  File "/a.js", line 1, in main']);
    expect(tb.format(2, true)[0]).toBe('  File "/c.js", line 3');
  });

  test('an empty traceback prints as unknown', () => {
    expect(String(new Traceback([]))).toBe('<unknown>:0');
  });
});

describe('Statistic and StatisticDiff print tracemalloc lines', () => {
  const tb = new Traceback([new Frame('src/parse.ts', 42)]);

  test('Statistic', () => {
    expect(String(new Statistic(tb, 597000, 14994))).toBe('src/parse.ts:42: size=583 KiB, count=14994, average=40 B');
    expect(String(new Statistic(tb, 0, 0))).toBe('src/parse.ts:42: size=0 B, count=0');
  });

  test('StatisticDiff', () => {
    expect(String(new StatisticDiff(tb, 660480, 660480, 14998, 14998))).toBe(
      'src/parse.ts:42: size=645 KiB (+645 KiB), count=14998 (+14998), average=44 B',
    );
    expect(String(new StatisticDiff(tb, 597000, 0, 14994, 0))).toBe('src/parse.ts:42: size=583 KiB (+0 B), count=14994 (+0), average=40 B');
    expect(String(new StatisticDiff(tb, 0, -848, 0, -2))).toBe('src/parse.ts:42: size=0 B (-848 B), count=0 (-2)');
  });
});
