// Example 7: as example 6, with the tracer's own allocations filtered out of both snapshots.
import * as tracemalloc from 'jest-tracemalloc';

function listOne() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n }); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }
function listFour() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n, square: n * n }); return l; }
function listFive() { const l = []; for (let n = 0; n < 15000; n++) l.push(`${n}^3=${n * n * n}`); return l; }

// tracemalloc's Filter(False, tracemalloc.__file__): drop what the tracer itself allocated.
const notTracer = [new tracemalloc.Filter(false, tracemalloc.tracerFilenamePattern)];

function main(): void {
  tracemalloc.start();

  const lists = [listOne(), listTwo(), listThree()];
  const snapshot1 = tracemalloc.takeSnapshot().filterTraces(notTracer);
  console.log('SNAPSHOT - ONE');
  for (const stat of snapshot1.statistics('lineno').slice(0, 3)) console.log(String(stat));

  lists.push(listFour(), listFive());
  const snapshot2 = tracemalloc.takeSnapshot().filterTraces(notTracer);
  console.log('SNAPSHOT - TWO');
  for (const stat of snapshot2.statistics('lineno').slice(0, 12)) console.log(String(stat));

  console.log('DIFFERENCE');
  for (const diff of snapshot2.compareTo(snapshot1, 'lineno').slice(0, 12)) console.log(String(diff));

  tracemalloc.stop();
  void lists;
}

main();
