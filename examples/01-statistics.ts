// Example 1: start(), takeSnapshot() and statistics().
import * as tracemalloc from 'jest-tracemalloc';

// V8 attributes an allocation to the function that made it (its first line), not to the line
// inside it, so each list is built by a function of its own. Small integers are not allocated
// in JS, so the lists hold objects, strings and arrays.
function listOne() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n }); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }

function main(): void {
  tracemalloc.start();

  const lists = [listOne(), listTwo(), listThree()];

  const snapshot = tracemalloc.takeSnapshot();
  for (const stat of snapshot.statistics('lineno').slice(0, 3)) {
    console.log(String(stat));
  }

  tracemalloc.stop();
  void lists; // the lists stay alive until the snapshot is taken: snapshots show live objects
}

main();
