// Example 4: Snapshot.dump() and Snapshot.load().
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tracemalloc from 'jest-tracemalloc';

function listOne() { const l = []; for (let n = 0; n < 15000; n++) l.push({ n }); return l; }
function listTwo() { const l = []; for (let n = 0; n < 15000; n++) l.push(`n=${n * n}`); return l; }
function listThree() { const l = []; for (let n = 0; n < 15000; n++) l.push([n, n * n]); return l; }

function main(): void {
  tracemalloc.start();

  const lists = [listOne(), listTwo(), listThree()];
  const snapshot = tracemalloc.takeSnapshot();
  tracemalloc.stop();
  for (const stat of snapshot.statistics('lineno').slice(0, 3)) console.log(String(stat));

  // A dumped snapshot is a file: keep it, compare it with a later run, read it with no tracing on.
  const file = join(tmpdir(), `snap-${process.pid}.json`);
  try {
    snapshot.dump(file);
    const loaded = tracemalloc.Snapshot.load(file);
    console.log('Loaded Snapshot From File :');
    for (const stat of loaded.statistics('lineno').slice(0, 3)) console.log(String(stat));
  } finally {
    rmSync(file, { force: true });
  }
  void lists;
}

main();
