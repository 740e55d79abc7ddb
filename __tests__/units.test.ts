import { formatSize, parseSize } from '../src/util/sizes';

describe('parseSize', () => {
  test.each([
    [1024, 1024],
    [0, 0],
    ['1MiB', 1048576],
    ['512 KiB', 524288],
    ['1.5MB', 1500000],
    ['100kB', 100000],
    ['100KB', 100000],
    ['2 gib', 2 * 1024 ** 3],
    ['1TB', 1e12],
    ['1TiB', 1024 ** 4],
    ['.5 KiB', 512],
    ['64', 64],
    ['64B', 64],
    ['  7 MiB ', 7 * 1024 ** 2],
  ])('%p is %p bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  test('IEC units are 1024-based and SI units 1000-based', () => {
    expect(parseSize('1KiB') - parseSize('1kB')).toBe(24);
  });

  test.each([
    ['1 parsec', /Unknown unit "parsec" in "1 parsec"/],
    ['MiB', /Cannot read "MiB" as a size/],
    ['', /Cannot read "" as a size/],
    ['-1MiB', /Cannot read "-1MiB" as a size/],
    ['1,5MB', /Cannot read "1,5MB"/],
  ])('rejects %p', (input, message) => {
    expect(() => parseSize(input)).toThrow(RangeError);
    expect(() => parseSize(input)).toThrow(message);
  });

  test.each([-1, NaN, Infinity])('rejects the number %p', (input) => {
    expect(() => parseSize(input)).toThrow(/Expected a size of 0 bytes or more/);
  });

  test.each([[null], [undefined], [{}], [[1]], [true]])('rejects %p with a TypeError naming it', (input) => {
    expect(() => parseSize(input as never)).toThrow(TypeError);
  });
});

describe('formatSize', () => {
  test.each([
    [0, '0 B'],
    [40, '40 B'],
    [40.4, '40 B'],
    [6544, '6.39 KiB'],
    [597000, '583 KiB'],
    [54001664, '51.5 MiB'],
  ])('%p bytes print as %p', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test.each([
    [0, '+0 B'],
    [660480, '+645 KiB'],
    [-660480, '-645 KiB'],
    [848, '+848 B'],
  ])('signed %p prints as %p', (bytes, text) => {
    expect(formatSize(bytes, true)).toBe(text);
  });
});
