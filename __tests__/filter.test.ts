import { DomainFilter, Filter, Snapshot } from '../src';
import { applyFilters } from '../src/tracemalloc/filter';
import { trace } from './helpers/traces';

const traces = [
  trace('heap', 10, '/app/main.js:1', '/app/src/parse.ts:5'),
  trace('heap', 20, '/app/main.js:1', '/app/node_modules/lib/index.js:9'),
  trace('external', 30, '/app/main.js:1', '/app/src/parse.ts:7'),
  trace('heap', 40, 'node:internal/buffer:961'),
];
const sizes = (filters: (Filter | DomainFilter)[]): number[] => applyFilters(traces, filters).map((t) => t.size);

describe('Filter', () => {
  test('inclusive keeps traces whose most recent frame matches; * crosses directories as fnmatch does', () => {
    expect(sizes([new Filter(true, '/app/*.ts')])).toEqual([10, 30]);
    expect(sizes([new Filter(true, '*/parse.ts')])).toEqual([10, 30]);
    expect(sizes([new Filter(true, 'node:*')])).toEqual([40]);
  });

  test('exclusive drops them', () => {
    expect(sizes([new Filter(false, '*/node_modules/*')])).toEqual([10, 30, 40]);
  });

  test('lineno narrows the match to one line', () => {
    expect(sizes([new Filter(true, '*/parse.ts', 7)])).toEqual([30]);
    expect(sizes([new Filter(false, '*/parse.ts', 7)])).toEqual([10, 20, 40]);
  });

  test('allFrames matches any frame of the traceback', () => {
    expect(sizes([new Filter(true, '/app/main.js')])).toEqual([]);
    expect(sizes([new Filter(true, '/app/main.js', null, true)])).toEqual([10, 20, 30]);
    expect(sizes([new Filter(false, '/app/main.js', null, true)])).toEqual([40]);
  });

  test('? and [] work as in fnmatch', () => {
    expect(sizes([new Filter(true, '/app/src/pars?.ts')])).toEqual([10, 30]);
    expect(sizes([new Filter(true, '/app/src/[pq]arse.ts')])).toEqual([10, 30]);
    expect(sizes([new Filter(true, '/app/src/[q]arse.ts')])).toEqual([]);
  });

  test('only fnmatch syntax is special: parentheses, @, braces and ! in paths match themselves', () => {
    const odd = [trace('heap', 1, '/a/.pnpm/pkg@1.0.0(jest@29)/index.js:1'), trace('heap', 2, '/a/{x,y}/!b.js:1')];
    expect(applyFilters(odd, [new Filter(true, '/a/.pnpm/pkg@1.0.0(jest@29)/*')]).map((t) => t.size)).toEqual([1]);
    expect(applyFilters(odd, [new Filter(true, '/a/{x,y}/!b.js')]).map((t) => t.size)).toEqual([2]);
    expect(applyFilters(odd, [new Filter(true, '/a/x/*')])).toEqual([]);
  });

  test('domain restricts an inclusive filter and widens an exclusive one', () => {
    expect(sizes([new Filter(true, '*/parse.ts', null, false, 'external')])).toEqual([30]);
    expect(sizes([new Filter(false, '*/parse.ts', null, false, 'external')])).toEqual([10, 20, 40]);
  });

  test('one inclusive filter must match, every exclusive filter must pass', () => {
    expect(sizes([new Filter(true, '*/parse.ts'), new Filter(true, 'node:*')])).toEqual([10, 30, 40]);
    expect(sizes([new Filter(true, '*'), new Filter(false, 'node:*'), new Filter(false, '*/node_modules/*')])).toEqual([10, 30]);
  });

  test('bad arguments are TypeErrors that say what was expected', () => {
    expect(() => new Filter('yes' as never, '*')).toThrow('inclusive must be a boolean, got string "yes"');
    expect(() => new Filter(true, '')).toThrow('filenamePattern must be a non-empty string');
    expect(() => new Filter(true, '*', 1.5)).toThrow('lineno must be an integer or null');
    expect(() => new Filter(true, '*', null, false, 'stack' as never)).toThrow("domain must be one of 'heap', 'external', got string \"stack\"");
  });
});

describe('DomainFilter', () => {
  test('keeps or drops one domain', () => {
    expect(sizes([new DomainFilter(true, 'external')])).toEqual([30]);
    expect(sizes([new DomainFilter(false, 'external')])).toEqual([10, 20, 40]);
  });

  test('rejects unknown domains', () => {
    expect(() => new DomainFilter(true, 'gpu' as never)).toThrow(TypeError);
  });
});

describe('Snapshot.filterTraces', () => {
  test('returns a new snapshot and leaves the old one alone', () => {
    const snapshot = new Snapshot(traces, 3);
    const filtered = snapshot.filterTraces([new DomainFilter(false, 'external')]);
    expect(filtered).not.toBe(snapshot);
    expect(filtered.traces).toHaveLength(3);
    expect(filtered.tracebackLimit).toBe(3);
    expect(snapshot.traces).toHaveLength(4);
    expect(snapshot.filterTraces([]).traces).toHaveLength(4);
  });

  test('rejects anything but an array of filters', () => {
    const snapshot = new Snapshot(traces, 1);
    expect(() => snapshot.filterTraces(new Filter(true, '*') as never)).toThrow('filters must be an array of Filter or DomainFilter, not an object (Filter)');
    expect(() => snapshot.filterTraces(['*'] as never)).toThrow('found string "*"');
  });
});

describe('fnmatch translation', () => {
  const { fnmatchToRegExp } = jest.requireActual('../src/tracemalloc/fnmatch') as typeof import('../src/tracemalloc/fnmatch');
  test.each([
    ['*.ts', 'a/b/c.ts', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', true],
    ['[abc]x', 'bx', true],
    ['[!abc]x', 'bx', false],
    ['[!abc]x', 'dx', true],
    ['[a-c]', 'b', true],
    ['[]]', ']', true],
    ['[', '[', true],
    ['a[*]b', 'a*b', true],
    ['a[*]b', 'axb', false],
    ['(x|y)', '(x|y)', true],
    ['(x|y)', 'x', false],
    ['{a,b}', 'a', false],
    ['a.b', 'axb', false],
    ['line\nbreak*', 'line\nbreak here', true],
  ])('%p matches %p: %p', (pattern, name, expected) => {
    expect(fnmatchToRegExp(pattern).test(name)).toBe(expected);
  });
});
