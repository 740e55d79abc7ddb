// Compiles examples/*.ts with the repo's TypeScript (examples/tsconfig.json, output in
// .tmp/examples) and runs each compiled example in order with node, then the demo Jest suite
// (examples/jest-demo) with the preset. Exits non-zero if the compilation or any of them fails. `npm run examples` builds build/ first: the examples import
// 'jest-tracemalloc', which resolves to build/ through package.json "exports".
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.tmp', 'examples');
const TIMEOUT_MS = 180_000; // an example that hangs fails instead of blocking the run

function run(args, label) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', timeout: TIMEOUT_MS });
  if (result.error) {
    console.error(`${label}: ${result.error.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS / 1000} s` : result.error.message}`);
    return false;
  }
  if (result.status !== 0) {
    console.error(`${label}: exited with ${result.signal ?? `code ${result.status}`}`);
    return false;
  }
  return true;
}

// node_modules/.bin/tsc is a shim for this file; running it with node works on every platform.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(outDir, { recursive: true, force: true }); // no stale output from renamed examples
if (!run([tsc, '-p', join(root, 'examples', 'tsconfig.json')], 'tsc -p examples/tsconfig.json')) process.exit(1);

const examples = readdirSync(join(root, 'examples'))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .sort();
const failed = [];
for (const name of examples) {
  const source = relative(root, join(root, 'examples', name)).split('\\').join('/');
  console.log(`===== ${source} =====`);
  if (!run([join(outDir, name.replace(/\.ts$/, '.js'))], source)) failed.push(source);
}

// The demo suite: Jest with the preset, every test measured, the report written.
console.log('===== examples/jest-demo (Jest with preset: jest-tracemalloc) =====');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
if (!run([jest, '-c', join(root, 'examples', 'jest-demo', 'jest.config.js'), '--ci'], 'examples/jest-demo')) failed.push('examples/jest-demo');
else console.log('Per-test figures: .tmp/jest-demo/memory-report.json');

if (failed.length > 0) {
  console.error(`\n${failed.length} of ${examples.length + 1} examples failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nAll ${examples.length} examples and the demo suite ran.`);
