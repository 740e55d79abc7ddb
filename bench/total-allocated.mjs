// Node 25+'s v8.getHeapStatistics().total_allocated_bytes as a cross-check of measure(): the same
// warm call of the objects workload (20,000 objects of two fields in an array), read both ways.
//
//   /path/to/node26 bench/total-allocated.mjs   # after a build; prints one line per round
import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';

const { measure } = createRequire(import.meta.url)('../build');
if (getHeapStatistics().total_allocated_bytes === undefined) {
  console.log(`Node ${process.version} has no total_allocated_bytes (Node 25+)`);
  process.exit(0);
}
const workload = () => {
  const a = new Array(20000);
  for (let i = 0; i < 20000; i++) a[i] = { i, j: i + 1 };
  return a;
};
const totalAllocated = () => getHeapStatistics().total_allocated_bytes;
for (let round = 0; round < 3; round++) {
  const { allocated } = measure(workload, { warmup: 2, runs: 5 });
  const deltas = [];
  for (let i = 0; i < 7; i++) {
    const before = totalAllocated();
    workload();
    deltas.push(totalAllocated() - before);
  }
  deltas.sort((x, y) => x - y);
  const pct = (bytes) => `${bytes >= allocated ? '+' : ''}${(((bytes - allocated) / allocated) * 100).toFixed(1)}%`;
  console.log(`Node ${process.version}: measure() ${allocated} B; total_allocated_bytes ${deltas[0]}-${deltas[deltas.length - 1]} B (${pct(deltas[0])} to ${pct(deltas[deltas.length - 1])})`);
}
