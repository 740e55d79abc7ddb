import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Snapshot } from './snapshot';

// The shape Chrome DevTools saves and opens as a `.heapprofile` (Memory panel, "Allocation
// sampling"), which speedscope reads too: V8's SamplingHeapProfile.
interface ProfileCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
export interface HeapProfileNode {
  callFrame: ProfileCallFrame;
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}
export interface HeapProfile {
  head: HeapProfileNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

/**
 * A snapshot as a `.heapprofile`: one node per call path (tracebacks, oldest frame at the root), a
 * node's `selfSize` the bytes allocated right there, one sample per trace. Lines and columns are
 * 0-based there, as V8 writes them; external (ArrayBuffer) traces are left out, as V8's sampler
 * never sees them.
 */
export function toHeapProfile(snapshot: Snapshot): HeapProfile {
  let nextId = 1;
  const node = (functionName: string, url: string, line: number, column: number): HeapProfileNode => ({
    callFrame: { functionName, scriptId: '0', url, lineNumber: line, columnNumber: column },
    selfSize: 0,
    id: nextId++,
    children: [],
  });
  const head = node('(root)', '', -1, -1);
  const childIndex = new Map<HeapProfileNode, Map<string, HeapProfileNode>>();
  const samples: HeapProfile['samples'] = [];
  for (const trace of snapshot.traces) {
    if (trace.domain !== 'heap') continue;
    let current = head;
    for (const frame of trace.traceback.frames) {
      const key = frame.key;
      let index = childIndex.get(current);
      if (!index) childIndex.set(current, (index = new Map()));
      let child = index.get(key);
      if (!child) {
        child = node(frame.functionName, isAbsolute(frame.filename) ? pathToFileURL(frame.filename).href : frame.filename, Math.max(0, frame.lineno - 1), Math.max(0, frame.column - 1));
        index.set(key, child);
        current.children.push(child);
      }
      current = child;
    }
    current.selfSize += trace.size;
    samples.push({ size: trace.size, nodeId: current.id, ordinal: samples.length + 1 });
  }
  return { head, samples };
}
