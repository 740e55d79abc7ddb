import { existsSync, mkdirSync } from 'node:fs';
import { UnreadableFileError, parseData, readText } from '../../util/json-file';
import { basename, dirname, join } from 'node:path';
import { WriteFileError, writeFileAtomic } from '../../util/write-file-atomic';

// `__memory__/<test file name>.json` beside the test file: reviewed in pull requests as Jest's
// `__snapshots__` are, so the format is stable and diff-friendly: sorted keys, one figure per line,
// a trailing newline.
const BASELINE_FORMAT = 'jest-tracemalloc-baselines';
const BASELINE_VERSION = 1;

/** One allocating function of a baseline, for the "what grew" part of a failure message. */
export interface BaselineSite {
  function: string;
  /** Relative to the rootDir, '/' separators: the same on every machine. */
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

export class BaselineFileError extends UnreadableFileError {
  constructor(file: string, reason: string) {
    super(file, reason, `Cannot read the allocation baselines in ${file}: ${reason}. Fix the file or rewrite it with \`jest -u\`.`);
  }
}

export function baselinePathFor(testPath: string): string {
  return join(dirname(testPath), '__memory__', `${basename(testPath)}.json`);
}

const isBytes = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What a git merge leaves in a file it could not merge. */
const CONFLICT_MARKER = /^(<{7}|={7}|>{7})( |$)/m;

/** Why an entry is not one this package wrote, or null. */
function entryProblem(e: unknown): string | null {
  if (!isObject(e)) return 'must be an object';
  for (const field of ['allocated', 'heap', 'external'] as const) {
    if (!isBytes(e[field])) return `needs a number of bytes of 0 or more "${field}", got ${JSON.stringify(e[field])}`;
  }
  if (e.allocated !== (e.heap as number) + (e.external as number)) return `"allocated" (${String(e.allocated)}) must be heap + external (${String(e.heap)} + ${String(e.external)})`;
  if (e.retained !== undefined && !isBytes(e.retained)) return `"retained" must be a number of bytes of 0 or more, got ${JSON.stringify(e.retained)}`;
  if (e.sites === undefined) return null;
  if (!Array.isArray(e.sites)) return '"sites" must be an array';
  for (const [i, site] of e.sites.entries()) {
    const ok = isObject(site) && typeof site.function === 'string' && typeof site.file === 'string' && Number.isInteger(site.line) && isBytes(site.size);
    if (!ok) return `sites[${i}] must be { function, file, line, size }, got ${JSON.stringify(site)}`;
  }
  return null;
}

export function parseBaselines(text: string, file: string): BaselineData {
  const fail = (reason: string): never => {
    throw new BaselineFileError(file, reason);
  };
  if (CONFLICT_MARKER.test(text)) return fail('it holds git merge conflict markers (<<<<<<<)');
  const raw = parseData(text, fail);
  if (!isObject(raw)) return fail('expected a JSON object');
  if (raw.format !== BASELINE_FORMAT) return fail(`"format" must be "${BASELINE_FORMAT}", got ${JSON.stringify(raw.format)}`);
  if (raw.version !== BASELINE_VERSION) return fail(`unsupported version ${JSON.stringify(raw.version)}; this version of jest-tracemalloc reads version ${BASELINE_VERSION}`);
  if (!Number.isInteger(raw.node)) return fail('"node" must be the Node major the figures were taken on');
  const entries = raw.baselines;
  if (!isObject(entries)) return fail('"baselines" must be an object');
  for (const [key, entry] of Object.entries(entries)) {
    const problem = entryProblem(entry);
    if (problem) fail(`baseline ${JSON.stringify(key)} ${problem}`);
  }
  return { node: raw.node as number, entries: entries as Record<string, BaselineEntry> };
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

/** Writes atomically (several Jest workers, an interrupted run). Throws a WriteFileError naming the file. */
export function writeBaselines(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new WriteFileError(file, error as NodeJS.ErrnoException);
  }
  writeFileAtomic(file, text);
}
