import { detectLeak } from '../src';
import { HeapGrowthProbe } from '../src/measure/heap-growth';
import { judgeRounds, readLeakOptions } from '../src/measure/leak';

// detectLeak() and the snapshot comparison under it, in this process. The corpus of real-code
// verdicts (registry parsers, caches, emitters) is __tests__/corpus.e2e.test.ts.

describe('options', () => {
  test('defaults: 10 warm-up calls, rounds doubling from 16, at most 12, 4 B per call, 2 s', () => {
    expect(readLeakOptions(undefined)).toEqual({ warmup: 10, iterations: 16, iterationsGiven: false, rounds: 12, threshold: 4, timeBudget: 2000 });
  });

  test.each([
    [{ rounds: 2 }, 'rounds must be an integer of 3 or more, got number 2'],
    [{ rounds: 25 }, 'rounds must be at most 24, got 25'],
    [{ iterations: 1e9 }, 'iterations must be at most 1000000, got 1000000000'],
    [{ timeBudget: 0 }, 'timeBudget must be an integer of 1 or more, got number 0'],
    [{ threshold: -1 }, 'threshold must be a number of bytes of 0 or more, got number -1'],
    [{ runs: 3 }, 'unknown option "runs"; known options are warmup, iterations, rounds, threshold, timeBudget'],
  ])('%j is refused: %s', (options, message) => {
    expect(() => detectLeak(() => 1, options as never)).toThrow(message);
  });

  test('a non-function is refused', () => {
    expect(() => detectLeak('parse' as never)).toThrow('detectLeak() expects a function, got string "parse"');
  });
});

// Rounds recorded from detectLeak() in Jest workers (the corpus, four Node lines; the unit tests in
// a loaded ts-jest worker): the verdict before any heap snapshot.
describe('judgeRounds', () => {
  const doubling = (n: number): number[] => Array.from({ length: n }, (_, i) => 16 * 2 ** i);

  test.each([
    ['an array gaining 8 B per call (Node 26)', [128, 792, 464, 1760, 1568, 5880, 13240, 11912, 44680, 100552, 90448, 339264], 'growing'],
    ['yaml documents kept in a Set (Node 24)', [15768, 20448, 38712, 79320, 157560, 315912], 'growing'],
    ['JSON.parse keeping nothing, +13 KiB in the last round only', [32, 320, 0, 16, 0, 13184], 'steady'],
    ['an async leak of 44 B per call whose middle round V8 handed back (loaded worker)', [-9456, 1656, 2512, 5856, 9760, 22264, 237144, -103376, 175752], 'growing'],
    ['async parsing keeping nothing, growth in one round only', [328, 304, 0, 16, -32, 4496], 'steady'],
    ['a round that grew and a round that lost', [25424, -5432, 4968, 8552, -9312], 'steady'],
    ['marked.parse warming up (Node 22): fading', [28408, 10520, 2360, 3072], 'fading'],
  ])('%s: %s', (_name, growths, verdict) => {
    expect(judgeRounds(growths as number[], doubling((growths as number[]).length), 4).verdict).toBe(verdict);
  });

  test('two of the last three rounds must grow by half the threshold per call', () => {
    const calls = doubling(8);
    const base = [0, 0, 0, 0, 0];
    // 8 B per call in the last rounds: a leak; 8 B per call over the pair, all of it in the last round: not
    expect(judgeRounds([...base, 0, 8 * 1024, 8 * 2048], calls, 4).verdict).toBe('growing');
    expect(judgeRounds([...base, 0, 0, 8 * 3072], calls, 4).verdict).toBe('steady');
    // a round that handed back what the one before took does not hide a leak
    expect(judgeRounds([...base, 8 * 512, -8 * 1024, 16 * 2048], calls, 4).verdict).toBe('growing');
    // the second round that grew at just half the threshold still counts; just under it does not
    expect(judgeRounds([...base, 0, 2 * 1024, 16 * 2048], calls, 4).verdict).toBe('growing');
    expect(judgeRounds([...base, 0, 2 * 1024 - 8, 16 * 2048], calls, 4).verdict).toBe('steady');
    // and the pair's rate is the report's perCall
    expect(judgeRounds([...base, 0, 8 * 1024, 8 * 2048], calls, 4).perCall).toBe(8);
  });
});

describe('verdicts', () => {
  test('a Set gaining an id per call leaks, and the report names the Set by its variable', () => {
    const ids = new Set<number>();
    let next = 0;
    const report = detectLeak(() => {
      ids.add(next++);
    });
    expect(report.leaking).toBe(true);
    expect(report.calls.slice(0, 3)).toEqual([16, 32, 64]);
    expect(report.perCall).toBeGreaterThan(4);
    expect(report.confirmation?.perCall).toBeGreaterThan(4);
    expect(report.confirmation?.holders[0]).toMatchObject({ kind: 'Set', path: 'ids' });
  });

  test('a function that keeps nothing does not leak, and costs no snapshot', () => {
    const report = detectLeak((): void => {
      JSON.parse('{"a":[1,2,3]}');
    });
    expect(report.leaking).toBe(false);
    expect(report.confirmation).toBeNull();
    // its rounds did not keep growing (under the threshold, in one round only, or fading: V8
    // warming up in a ts-jest worker), as the report's own rounds say
    expect(['steady', 'fading']).toContain(judgeRounds(report.growths, report.calls, report.threshold).verdict);
  });

  test('a WeakMap keyed by objects that die grows (V8 keeps their slots), but not as the program\'s objects', () => {
    const weak = new WeakMap<object, number[]>();
    const report = detectLeak(() => {
      weak.set({}, [1, 2, 3]);
    });
    expect(report.leaking).toBe(false);
  });

  test('an async leak is found too, and the promise settles with the report', async () => {
    const kept: number[][] = [];
    const report = await detectLeak(async () => {
      await Promise.resolve();
      kept.push([1, 2, 3, 4]);
    });
    expect(report.leaking).toBe(true);
    expect(report.confirmation?.holders[0]).toMatchObject({ kind: 'Array', path: 'kept' });
  });

  test('an error thrown by the function ends the detection with that error', () => {
    let calls = 0;
    expect(() =>
      detectLeak(() => {
        if (++calls === 40) throw new Error('boom at call 40');
      }),
    ).toThrow('boom at call 40');
  });
});

const registry = { listeners: [] as (() => number)[] };
const slots: unknown[] = new Array(1000).fill(null);

describe('HeapGrowthProbe', () => {
  test('charges new objects to the long-lived object that holds them, by its variable and property', () => {
    const probe = new HeapGrowthProbe();
    for (let i = 0; i < 5000; i++) registry.listeners.push(() => i);
    const growth = probe.growth();
    const top = growth.holders[0];
    expect(top).toMatchObject({ kind: 'Array', path: 'registry.listeners' });
    // 5,000 closures and their contexts, and the array's bigger store
    expect(top?.objects).toBeGreaterThanOrEqual(10000);
    expect(growth.bytes).toBeGreaterThan(5000 * 32);
    registry.listeners.length = 0;
  });

  test('growth in one element of an array is the array\'s: named by its variable, not by the element\'s index', () => {
    const probe = new HeapGrowthProbe();
    slots[7] = new Array(50000).fill(1); // the array's store stays; one element holds the growth
    const top = probe.growth().holders[0];
    expect(top).toMatchObject({ kind: 'Array', path: 'slots' });
    slots.length = 0;
  });

  test('memory freed under a holder is credited back: a replaced table counts as its difference', () => {
    let store = new Array(10000).fill(0);
    const holder = { store };
    const probe = new HeapGrowthProbe();
    store = new Array(10000).fill(1); // same size, replaced
    holder.store = store;
    const growth = probe.growth();
    expect(Math.abs(growth.bytes)).toBeLessThan(16 * 1024);
  });
});
