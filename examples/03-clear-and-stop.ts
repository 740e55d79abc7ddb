// Example 3: clearTraces() and stop().
import * as tracemalloc from 'jest-tracemalloc';

function listOne() { const l = []; for (let n = 0; n < 150000; n++) l.push({ n }); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }
function listFour() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n, square: n * n }); return l; }
function listFive() { const l = []; for (let n = 0; n < 15000; n++) l.push([n]); return l; }

function main(): void {
  tracemalloc.start();

  const lists = [listOne(), listTwo(), listThree()];
  const snapshot1 = tracemalloc.takeSnapshot();
  console.log('================ SNAPSHOT ONE =================');
  for (const stat of snapshot1.statistics('lineno').slice(0, 3)) console.log(String(stat));

  lists.push(listFour());
  const snapshot2 = tracemalloc.takeSnapshot();
  console.log('================ SNAPSHOT 2 =================');
  for (const stat of snapshot2.statistics('lineno').slice(0, 10)) console.log(String(stat));

  // Forget every trace so far: the next snapshot only knows about what is allocated from here.
  tracemalloc.clearTraces();

  lists.push(listFive());
  const snapshot3 = tracemalloc.takeSnapshot();
  console.log('================ SNAPSHOT 3 =================');
  for (const stat of snapshot3.statistics('lineno').slice(0, 1)) console.log(String(stat));

  console.log(`Tracing Status : ${tracemalloc.isTracing()}`);
  tracemalloc.stop();
  console.log(`Tracing Status : ${tracemalloc.isTracing()}`);

  try {
    tracemalloc.takeSnapshot();
  } catch (error) {
    console.log('Trying to Take Snapshot After Tracing is Stopped.');
    console.log(`Exception : ${(error as Error).message}`);
  }
  void lists;
}

main();
