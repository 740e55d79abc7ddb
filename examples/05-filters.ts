// Example 5: Snapshot.filterTraces() with DomainFilter and Filter.
import * as tracemalloc from 'jest-tracemalloc';

function listOne() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n }); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n]); return l; }
function listFour() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }
// Like the tutorial's numpy array, its data lives outside the JS heap: the 'external' domain.
function listFive() { return new Uint8Array(6000).fill(7); }

// Frames name the .ts source (mapped through its source map); patterns are globs, * crosses '/'.
const thisFile = '*/05-filters.ts';

function show(title: string, snapshot: tracemalloc.Snapshot): void {
  console.log(title);
  for (const stat of snapshot.statistics('lineno').slice(0, 8)) console.log(String(stat));
}

function main(): void {
  // trackObjects: external memory (ArrayBuffer, Buffer, typed arrays) gets traces too.
  tracemalloc.start({ trackObjects: true });

  const lists = [listOne(), listTwo(), listThree(), listFour(), listFive()];
  const snapshot = tracemalloc.takeSnapshot();

  show('========== The Original Snapshot ===========', snapshot);
  show('========= Filtered Snapshot - One =============',
    snapshot.filterTraces([new tracemalloc.DomainFilter(false, 'external')])); // the JS heap only
  show('========= Filtered Snapshot - Two =============',
    snapshot.filterTraces([new tracemalloc.DomainFilter(true, 'external')])); // buffers only
  show('========= Filtered Snapshot - Three =============',
    snapshot.filterTraces([new tracemalloc.Filter(true, thisFile)])); // this file only
  show('========= Filtered Snapshot - Four =============',
    snapshot.filterTraces([new tracemalloc.Filter(false, thisFile)])); // everything else

  tracemalloc.stop();
  void lists;
}

main();
