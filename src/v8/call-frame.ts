// The shapes V8's profilers and heap snapshots give positions in: the code as V8 ran it.

/** A position in the code V8 ran: 0-based line and column, as V8's profiles give them. */
export interface ScriptPosition {
  url: string;
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/** A function on a stack, as V8's sampling profile and heap snapshot name it. */
export interface CallFrame extends ScriptPosition {
  functionName: string;
}
