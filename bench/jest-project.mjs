// Fixture projects for the Jest benches: the packed package installed into a fresh folder, with the
// dependencies at the versions this repo's lockfile pins.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
/** `name@version` as the lockfile pins it. */
export const pinned = (name) => `${name}@${lock[`node_modules/${name}`].version}`;

/** A fresh project folder with the packed package and `dependencies` installed. */
export function project(prefix, dependencies) {
  const dir = mkdtempSync(join(tmpdir(), `tracemalloc-bench-${prefix}-`));
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: prefix, private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(dir, packed), ...dependencies], { cwd: dir, stdio: 'pipe' });
  return dir;
}
