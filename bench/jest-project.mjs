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

// CPU time of Jest and its workers, less disturbed than wall time by other load on a shared
// machine: on Linux a shell's /proc stat counts the CPU of every descendant it waited for.
const STAT_MARK = '@@stat@@';

/** The shell command and arguments that run `command ...args` and print the shell's stat after it (Linux). */
export const withCpuStat = (command, args) => ['sh', ['-c', `"$0" "$@"; code=$?; echo ${STAT_MARK}; cat /proc/$$/stat; exit $code`, command, ...args]];

/** The output without the stat that withCpuStat() printed, and the CPU of the children (ms; NaN without it). */
export function splitCpuStat(stdout) {
  const at = stdout.lastIndexOf(STAT_MARK);
  if (at < 0) return { stdout, cpuMs: NaN };
  // fields after the command name: cutime and cstime are the 14th and 15th (clock ticks of 10 ms)
  const fields = stdout.slice(at + STAT_MARK.length).trim().replace(/^.*\) /s, '').split(' ');
  return { stdout: stdout.slice(0, at), cpuMs: (Number(fields[13]) + Number(fields[14])) * 10 };
}
