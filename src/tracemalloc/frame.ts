/**
 * One frame of a traceback: where a function that allocated (or called an allocator) starts.
 * V8 attributes allocations to functions, not lines, so `lineno` is the first line of the function,
 * mapped back to the original source when a source map is known.
 */
export class Frame {
  constructor(
    /** Absolute path of the original source, `node:internal/...` for Node's own code, `<name>` for V8's. */
    readonly filename: string,
    /** 1-based line where the function starts (0 when unknown). */
    readonly lineno: number,
    /** The function's name; empty for anonymous functions and top-level code. */
    readonly functionName: string = '',
    /** 1-based column where the function starts (0 when unknown). */
    readonly column: number = 0,
  ) {}

  /** `filename:lineno`, tracemalloc's form. */
  toString(): string {
    return `${this.filename}:${this.lineno}`;
  }

  /** Identity used for grouping: file, line and function. */
  get key(): string {
    return `${this.filename}:${this.lineno}:${this.column}:${this.functionName}`;
  }

  equals(other: Frame): boolean {
    return other instanceof Frame && other.key === this.key;
  }

  toJSON(): FrameJSON {
    return { filename: this.filename, lineno: this.lineno, column: this.column, functionName: this.functionName };
  }
}

export interface FrameJSON {
  filename: string;
  lineno: number;
  column: number;
  functionName: string;
}
