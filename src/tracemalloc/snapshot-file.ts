import { UnreadableFileError, parseData, readText } from '../util/json-file';
import { DOMAINS, Trace, type Domain } from './trace';
import { Frame } from './frame';
import { Traceback } from './traceback';

// Versioned JSON, validated on load: tracemalloc's pickle would run code from a hostile file.
export const SNAPSHOT_FORMAT = 'jest-tracemalloc-snapshot';
export const SNAPSHOT_VERSION = 1;

/** A snapshot file that cannot be read: missing, truncated, foreign or hostile. Names the file. */
export class SnapshotFileError extends UnreadableFileError {
  constructor(file: string, reason: string) {
    super(file, reason, `Cannot load snapshot ${file}: ${reason}`);
  }
}

export interface SnapshotData {
  traces: readonly Trace[];
  tracebackLimit: number;
  samplingInterval: number;
}

interface SnapshotFileV1 {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  tracebackLimit: number;
  samplingInterval: number;
  /** [filename, lineno, column, functionName] */
  frames: [string, number, number, string][];
  /** [domain, size, count, totalNframe, ...frame indexes oldest first] */
  traces: (string | number)[][];
}

export function serializeSnapshot(data: SnapshotData): string {
  const frameIndex = new Map<string, number>();
  const frames: SnapshotFileV1['frames'] = [];
  const indexOf = (frame: Frame): number => {
    let index = frameIndex.get(frame.key);
    if (index === undefined) {
      index = frames.length;
      frameIndex.set(frame.key, index);
      frames.push([frame.filename, frame.lineno, frame.column, frame.functionName]);
    }
    return index;
  };
  const traces = data.traces.map((t) => [t.domain, t.size, t.count, t.traceback.totalNframe, ...t.traceback.frames.map(indexOf)]);
  const file: SnapshotFileV1 = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    tracebackLimit: data.tracebackLimit,
    samplingInterval: data.samplingInterval,
    frames,
    traces,
  };
  // One frame or trace per line keeps files diff-friendly and greppable.
  return (
    `{"format":${JSON.stringify(file.format)},"version":${file.version},` +
    `"tracebackLimit":${file.tracebackLimit},"samplingInterval":${file.samplingInterval},\n` +
    `"frames":[\n${frames.map((f) => JSON.stringify(f)).join(',\n')}\n],\n` +
    `"traces":[\n${traces.map((t) => JSON.stringify(t)).join(',\n')}\n]}\n`
  );
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
const isInt = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;

export function parseSnapshot(text: string, file: string): SnapshotData {
  const fail = (reason: string): never => {
    throw new SnapshotFileError(file, reason);
  };
  const raw = parseData(text, fail, (key) => `refusing key ${JSON.stringify(key)}: the file is not a snapshot written by jest-tracemalloc`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a JSON object');
  const data = raw as Partial<SnapshotFileV1>;
  if (data.format !== SNAPSHOT_FORMAT) return fail(`not a jest-tracemalloc snapshot (format is ${JSON.stringify(data.format)}, expected "${SNAPSHOT_FORMAT}")`);
  if (data.version !== SNAPSHOT_VERSION) {
    return fail(`unsupported snapshot version ${JSON.stringify(data.version)}; this version of jest-tracemalloc reads version ${SNAPSHOT_VERSION}`);
  }
  if (!isInt(data.tracebackLimit) || data.tracebackLimit < 1) return fail('"tracebackLimit" must be a positive integer');
  if (!isCount(data.samplingInterval) || data.samplingInterval < 1) return fail('"samplingInterval" must be a positive number');
  if (!Array.isArray(data.frames)) return fail('"frames" must be an array');
  if (!Array.isArray(data.traces)) return fail('"traces" must be an array');

  const frames = data.frames.map((f, i) => {
    if (!Array.isArray(f) || f.length !== 4) return fail(`frames[${i}] must be [filename, lineno, column, functionName]`);
    const [filename, lineno, column, functionName] = f;
    if (typeof filename !== 'string' || !isInt(lineno) || !isInt(column) || typeof functionName !== 'string') {
      return fail(`frames[${i}] has wrong types: ${JSON.stringify(f)}`);
    }
    return new Frame(filename, lineno, functionName, column);
  });
  const traces = data.traces.map((t, i) => {
    if (!Array.isArray(t) || t.length < 4) return fail(`traces[${i}] must be [domain, size, count, totalNframe, ...frames]`);
    const [domain, size, count, totalNframe, ...frameIndexes] = t;
    if (!DOMAINS.includes(domain as Domain)) return fail(`traces[${i}] has unknown domain ${JSON.stringify(domain)}`);
    if (!isCount(size) || !isCount(count) || !isInt(totalNframe)) return fail(`traces[${i}] has a bad size, count or totalNframe`);
    const traceFrames = frameIndexes.map((index) => {
      const frame = isInt(index) ? frames[index] : undefined;
      return frame ?? fail(`traces[${i}] refers to frame ${JSON.stringify(index)}, which does not exist`);
    });
    return new Trace(domain as Domain, size, new Traceback(traceFrames, Math.max(totalNframe, traceFrames.length)), count);
  });
  return { traces, tracebackLimit: data.tracebackLimit, samplingInterval: data.samplingInterval };
}

export function readSnapshotFile(file: string): SnapshotData {
  const text = readText(file, (reason) => {
    throw new SnapshotFileError(file, reason);
  });
  return parseSnapshot(text, file);
}
