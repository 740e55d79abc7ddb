import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { parseData, readText } from '../../core/json-file';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/write-file-atomic';

// `__memory__/<test file name>.json` beside the test file: reviewed in pull requests as Jest's
// `__snapshots__` are, so the format is stable and diff-friendly: sorted keys, one figure per line,
// a trailing newline.
export const BASELINE_FORMAT = 'jest-tracemalloc-baselines';
export const BASELINE_VERSION = 1;

/** One allocating function of a baseline, for the "what grew" part of a failure message. */
export interface BaselineSite {
  function: string;
  /** Relative to the test file's folder, '/' separators. */
  file: string;
  line: number;
  size: number;
}

export interface BaselineEntry {
  /** Bytes allocated per call: heap + external. */
  allocated: number;
  heap: number;
  external: number;
  /** With `retained: true`. */
  retained?: number;
  sites?: BaselineSite[];
}

export interface BaselineData {
  /** The Node major the figures were taken on (V8 changes move them). */
  node: number;
  entries: Record<string, BaselineEntry>;
}

export class BaselineFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`Cannot read the allocation baselines in ${file}: ${reason}. Fix the file or rewrite it with \`jest -u\`.`);
    this.name = 'BaselineFileError';
  }
}

export function baselinePathFor(testPath: string): string {
  return join(dirname(testPath), '__memory__', `${basename(testPath)}.json`);
}

const isBytes = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

export function parseBaselines(text: string, file: string): BaselineData {
  const fail = (reason: string): never => {
    throw new BaselineFileError(file, reason);
  };
  const raw = parseData(text, fail);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a JSON object');
  const data = raw as Record<string, unknown>;
  if (data.format !== BASELINE_FORMAT) return fail(`"format" must be "${BASELINE_FORMAT}", got ${JSON.stringify(data.format)}`);
  if (data.version !== BASELINE_VERSION) return fail(`unsupported version ${JSON.stringify(data.version)}; this version of jest-tracemalloc reads version ${BASELINE_VERSION}`);
  if (!Number.isInteger(data.node)) return fail('"node" must be the Node major the figures were taken on');
  const entries = data.baselines;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return fail('"baselines" must be an object');
  for (const [key, entry] of Object.entries(entries as Record<string, unknown>)) {
    const e = entry as Partial<BaselineEntry> | null;
    if (typeof e !== 'object' || e === null) return fail(`baseline ${JSON.stringify(key)} must be an object`);
    for (const field of ['allocated', 'heap', 'external'] as const) {
      if (!isBytes(e[field]) || (e[field] as number) < 0) fail(`baseline ${JSON.stringify(key)} needs a number of bytes "${field}"`);
    }
    if (e.retained !== undefined && !isBytes(e.retained)) fail(`baseline ${JSON.stringify(key)}: "retained" must be a number of bytes`);
    if (e.sites !== undefined && !Array.isArray(e.sites)) fail(`baseline ${JSON.stringify(key)}: "sites" must be an array`);
  }
  return { node: data.node as number, entries: entries as Record<string, BaselineEntry> };
}

/** The file's baselines; `null` when there is no file yet. Throws BaselineFileError when unreadable. */
export function readBaselines(file: string): BaselineData | null {
  if (!existsSync(file)) return null;
  const text = readText(file, (reason) => {
    throw new BaselineFileError(file, reason);
  });
  return parseBaselines(text, file);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function serializeBaselines(data: BaselineData): string {
  const body = { format: BASELINE_FORMAT, version: BASELINE_VERSION, node: data.node, baselines: sortKeys(data.entries) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Writes atomically (several Jest workers, an interrupted run); an empty set removes the file. */
export function writeBaselines(file: string, data: BaselineData): void {
  if (Object.keys(data.entries).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, serializeBaselines(data));
}
