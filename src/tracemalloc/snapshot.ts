import { Frame } from './frame';
import { Statistic, StatisticDiff } from './statistic';
import { Traceback } from './traceback';
import { applyFilters, type AnyFilter } from './filter';
import type { Trace } from './trace';
import { readSnapshotFile, serializeSnapshot } from './snapshot-file';
import { writeFileAtomic } from '../util/write-file-atomic';
import { describeValue } from '../util/checks';

/** How `statistics()` and `compareTo()` group traces. */
export type KeyType = 'filename' | 'lineno' | 'traceback';

export const KEY_TYPES: readonly KeyType[] = ['filename', 'lineno', 'traceback'];

interface Group {
  traceback: Traceback;
  size: number;
  count: number;
}

function checkKeyType(keyType: unknown, cumulative: unknown): asserts keyType is KeyType {
  if (!KEY_TYPES.includes(keyType as KeyType)) {
    throw new TypeError(`unknown keyType: ${describeValue(keyType)}; expected ${KEY_TYPES.map((k) => `'${k}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}`);
  }
  if (typeof cumulative !== 'boolean') throw new TypeError(`cumulative must be a boolean, got ${describeValue(cumulative)}`);
  if (cumulative && keyType === 'traceback') throw new RangeError("cumulative mode cannot be used with keyType 'traceback'");
}

function keyFrame(frame: Frame, keyType: KeyType): Frame {
  return keyType === 'filename' ? new Frame(frame.filename, 0) : new Frame(frame.filename, frame.lineno, frame.functionName);
}

function groupKey(frame: Frame, keyType: KeyType): string {
  return keyType === 'filename' ? frame.filename : `${frame.filename}:${frame.lineno}`;
}

/** The traces recorded at one moment, and the statistics derived from them. */
export class Snapshot {
  readonly traces: readonly Trace[];

  constructor(
    traces: readonly Trace[],
    /** The traceback limit traces were recorded with (`start(nframe)`). */
    readonly tracebackLimit: number,
    /** 1 when every allocation was recorded; above 1, sizes and counts are estimates. */
    readonly samplingInterval = 1,
  ) {
    this.traces = Object.freeze([...traces]);
  }

  /** A new snapshot with the traces that pass `filters` (tracemalloc's `filter_traces`). */
  filterTraces(filters: readonly AnyFilter[]): Snapshot {
    return new Snapshot(applyFilters(this.traces, filters), this.tracebackLimit, this.samplingInterval);
  }

  private groupBy(keyType: KeyType, cumulative: boolean): Map<string, Group> {
    const groups = new Map<string, Group>();
    const add = (key: string, traceback: () => Traceback, trace: Trace): void => {
      const group = groups.get(key);
      if (group) {
        group.size += trace.size;
        group.count += trace.count;
      } else {
        groups.set(key, { traceback: traceback(), size: trace.size, count: trace.count });
      }
    };
    for (const trace of this.traces) {
      if (keyType === 'traceback') {
        add(trace.traceback.key, () => trace.traceback, trace);
        continue;
      }
      const frames = cumulative ? trace.traceback.frames : trace.traceback.frames.slice(-1);
      const seen = new Set<string>();
      for (const frame of frames) {
        const key = groupKey(frame, keyType);
        if (seen.has(key)) continue; // recursion counts a trace once per key
        seen.add(key);
        add(key, () => new Traceback([keyFrame(frame, keyType)]), trace);
      }
      if (frames.length === 0) add('<unknown>', () => new Traceback([new Frame('<unknown>', 0)]), trace);
    }
    return groups;
  }

  /**
   * Sizes and counts grouped by `keyType`, biggest first. `cumulative` adds a trace's size to every
   * frame of its traceback, not only the most recent one.
   */
  statistics(keyType: KeyType, cumulative = false): Statistic[] {
    checkKeyType(keyType, cumulative);
    return [...this.groupBy(keyType, cumulative).values()]
      .map((g) => new Statistic(g.traceback, g.size, Math.round(g.count)))
      .sort((a, b) => b.size - a.size || b.count - a.count || compareKeys(a.traceback, b.traceback));
  }

  /** What changed since `oldSnapshot`, biggest change first. */
  compareTo(oldSnapshot: Snapshot, keyType: KeyType, cumulative = false): StatisticDiff[] {
    if (!(oldSnapshot instanceof Snapshot)) throw new TypeError(`compareTo() expects a Snapshot, got ${describeValue(oldSnapshot)}`);
    checkKeyType(keyType, cumulative);
    const now = this.groupBy(keyType, cumulative);
    const before = oldSnapshot.groupBy(keyType, cumulative);
    const diffs: StatisticDiff[] = [];
    for (const [key, group] of now) {
      const old = before.get(key);
      before.delete(key);
      const count = Math.round(group.count);
      const oldCount = old ? Math.round(old.count) : 0;
      diffs.push(new StatisticDiff(group.traceback, group.size, group.size - (old?.size ?? 0), count, count - oldCount));
    }
    for (const old of before.values()) {
      diffs.push(new StatisticDiff(old.traceback, 0, -old.size, 0, -Math.round(old.count)));
    }
    return diffs.sort(
      (a, b) =>
        Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) ||
        b.size - a.size ||
        Math.abs(b.countDiff) - Math.abs(a.countDiff) ||
        b.count - a.count ||
        compareKeys(a.traceback, b.traceback),
    );
  }

  /** Writes the snapshot as versioned JSON; the write is atomic. */
  dump(file: string): void {
    if (typeof file !== 'string' || file === '') throw new TypeError(`dump() expects a file path, got ${describeValue(file)}`);
    writeFileAtomic(file, serializeSnapshot(this));
  }

  /** Reads a file written by `dump()`. Throws a `SnapshotFileError` naming the file if it is not one. */
  static load(file: string): Snapshot {
    if (typeof file !== 'string' || file === '') throw new TypeError(`Snapshot.load() expects a file path, got ${describeValue(file)}`);
    const data = readSnapshotFile(file);
    return new Snapshot(data.traces, data.tracebackLimit, data.samplingInterval);
  }
}

function compareKeys(a: Traceback, b: Traceback): number {
  const x = a.key;
  const y = b.key;
  return x < y ? -1 : x > y ? 1 : 0;
}
