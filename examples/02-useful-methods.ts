// Example 2: Traceback.format(), getTracebackLimit(), getObjectTraceback(), getTracedMemory(),
// getTracemallocMemory() and isTracing().
import * as tracemalloc from 'jest-tracemalloc';

function listOne() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n }); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }
// The tutorial's numpy array: 1500 random integers in one typed array (an 'external' buffer).
function listFour() { const a = new Uint8Array(1500); for (let i = 0; i < a.length; i++) a[i] = 1 + Math.random() * 149; return a; }

function main(): void {
  // Keep 25 frames per traceback; trackObjects records the allocating stack of every object,
  // which getObjectTraceback() needs.
  tracemalloc.start({ nframe: 25, trackObjects: true });

  const l1 = listOne();
  const l2 = listTwo();
  const l3 = listThree();
  const l4 = listFour();

  const snapshot = tracemalloc.takeSnapshot();

  console.log('========== THE SNAPSHOT =============');
  for (const stat of snapshot.statistics('lineno').slice(0, 8)) {
    console.log(String(stat));
    console.log(stat.traceback.format());
  }

  console.log('=========== USEFUL METHODS ===========');
  console.log(`Traceback Limit : ${tracemalloc.getTracebackLimit()} Frames`);
  console.log(`Allocation Location for List l4 : ${tracemalloc.getObjectTraceback(l4)}`);
  const { current, peak } = tracemalloc.getTracedMemory();
  console.log(`Traced Memory (Current, Peak): (${current}, ${peak})`);
  console.log(`Memory Usage by tracemalloc Module : ${tracemalloc.getTracemallocMemory()} bytes`);
  console.log(`Tracing Status : ${tracemalloc.isTracing()}`);

  tracemalloc.stop();
  void [l1, l2, l3];
}

main();
