import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// Fixture projects for the end-to-end tests: a temporary folder outside the repository (so nothing
// resolves from the repository's node_modules) with the packed package and real Jest installed.
const root = resolve(__dirname, '..', '..');

/** `name@version` as the repository's lockfile pins it, so fixtures use what the repo was tested with. */
export function pinned(name: string): string {
  const versions = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const entry = versions[`node_modules/${name}`];
  if (!entry) throw new Error(`${name} is not in package-lock.json`);
  return `${name}@${entry.version}`;
}

/** Packs the package (npm test builds it first) and installs it with `dependencies` in a new project. */
export function createProject(prefix: string, dependencies: string[], files: Record<string, string> = {}): string {
  const project = mkdtempSync(join(tmpdir(), `tracemalloc-${prefix}-`));
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: root, encoding: 'utf8' }).trim();
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: prefix, private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(project, packed), ...dependencies], { cwd: project, stdio: 'pipe' });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, name)), { recursive: true });
    writeFileSync(join(project, name), text);
  }
  return project;
}

export interface AssertionResult {
  title: string;
  fullName: string;
  status: string;
  failureMessages: string[];
  duration?: number | null;
}

export interface JestRun {
  status: number | null;
  output: string;
  files: { name: string; status: string; message: string; assertionResults: AssertionResult[] }[];
}

/**
 * Runs the project's own Jest; `--json` results are read from a file. Without `--ci` in `args` the
 * run is a developer's (`--ci=false`): Jest would otherwise turn CI mode on by itself when this
 * suite runs on CI, and stop writing baselines.
 */
export function runJest(project: string, args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): JestRun {
  const outputFile = join(project, `jest-results-${Date.now()}.json`);
  if (!args.some((arg) => arg === '--ci' || arg.startsWith('--ci='))) args = [...args, '--ci=false'];
  const run = spawnSync(
    process.execPath,
    [...(options.nodeArgs ?? []), join(project, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', `--outputFile=${outputFile}`, ...args],
    { cwd: project, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: 240000 },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  let files: JestRun['files'];
  try {
    files = JSON.parse(readFileSync(outputFile, 'utf8')).testResults;
  } catch {
    throw new Error(`Jest wrote no results (exit ${run.status}):\n${output}`);
  }
  return { status: run.status, output, files };
}

export const stripColors = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');
