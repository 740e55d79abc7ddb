import { Frame } from './frame';
import { getSourceLine } from '../source/source-lines';

/**
 * The call stack of an allocation, oldest frame first and most recent frame last, as Python's
 * tracemalloc orders it. Holds at most the traceback limit given to `start()`.
 */
export class Traceback {
  readonly frames: readonly Frame[];
  /** How many frames the stack had before the limit cut it. */
  readonly totalNframe: number;

  constructor(frames: readonly Frame[], totalNframe: number = frames.length) {
    this.frames = Object.freeze([...frames]);
    this.totalNframe = totalNframe;
  }

  get length(): number {
    return this.frames.length;
  }

  /** The frame that allocated. */
  get mostRecent(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  [Symbol.iterator](): Iterator<Frame> {
    return this.frames[Symbol.iterator]();
  }

  /** Grouping identity: the keys of all frames. */
  get key(): string {
    return this.frames.map((frame) => frame.key).join('\n');
  }

  equals(other: Traceback): boolean {
    return other instanceof Traceback && other.key === this.key;
  }

  /** `filename:lineno` of the most recent frame, the form statistics print. */
  toString(): string {
    return this.mostRecent?.toString() ?? '<unknown>:0';
  }

  /**
   * Lines as Python's `Traceback.format()` gives them: `  File "path", line N, in name` and the
   * source line below it. A positive `limit` keeps that many most recent frames, a negative one
   * `abs(limit)` oldest frames, as tracemalloc documents.
   */
  format(limit?: number, mostRecentFirst = false): string[] {
    let frames: readonly Frame[] = this.frames;
    if (limit !== undefined) {
      frames = limit > 0 ? frames.slice(-limit) : frames.slice(0, -limit);
    }
    if (mostRecentFirst) frames = [...frames].reverse();
    const lines: string[] = [];
    for (const frame of frames) {
      const where = frame.functionName ? `, in ${frame.functionName}` : '';
      lines.push(`  File "${frame.filename}", line ${frame.lineno}${where}`);
      const source = getSourceLine(frame.filename, frame.lineno);
      if (source) lines.push(`    ${source}`);
    }
    return lines;
  }
}
