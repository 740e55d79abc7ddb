// The demo suite `npm run examples` runs with `preset: 'jest-tracemalloc'`: every test is measured
// (see the table printed after the run and .tmp/jest-demo/memory-report.json), and the memory
// matchers assert budgets and leaks.
import { makeCsv, parseCsv, rememberIds } from './csv';

const small = makeCsv(100);
const big = makeCsv(20000);

test('parses 20,000 rows', () => {
  expect(parseCsv(big)).toHaveLength(20000);
});

test('parsing 100 rows stays under 64 KiB', () => {
  expect(() => parseCsv(small)).toAllocateLessThan('64 KiB');
});

test('parsing keeps nothing once the rows are dropped', () => {
  expect(() => parseCsv(small)).toRetainLessThan('16 KiB');
});

test('the parser does not leak', () => {
  expect(() => parseCsv(small)).not.toLeak();
});

test('rememberIds leaks, and toLeak says so', () => {
  const rows = parseCsv(small);
  expect(() => rememberIds(rows)).toLeak();
});

test('async work is measured to the end', async () => {
  // the 256 KiB after the await count; so does what Jest itself allocates meanwhile (its reporter's
  // timers: 44 KiB on Node 26)
  const work = async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return new Uint8Array(256 * 1024);
  };
  await expect(work).not.toAllocateLessThan('256 KiB');
  await expect(work).toAllocateLessThan('384 KiB');
});
