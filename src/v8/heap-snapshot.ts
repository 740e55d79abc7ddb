import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { post } from './inspector-session';
import type { CallFrame } from './call-frame';

// A V8 heap snapshot taken while allocation tracking is on: every object carries the id of the call
// stack that allocated it. Slow (it serialises the whole heap) but exact; used for
// getObjectTraceback() and for the 'external' domain.

interface RawHeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
      trace_function_info_fields: string[];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  trace_function_infos: number[];
  trace_tree: unknown[];
}

let exitGuard: NodeJS.Timeout | undefined;
let stoppedWhenIdle = false;

// Standard streams stay listed as resources but never keep a finished program alive.
const STDIO_RESOURCES = new Set(['PipeWrap', 'TTYWrap']);

export function startAllocationTracking(): void {
  // V8 14 (Node 26) loses the site of objects that a compacting GC moves: a traced object read null
  // after a heap snapshot in about half of the runs, in none without compaction while tracking
  setFlagsFromString('--no-compact');
  try {
    post('HeapProfiler.enable');
    post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  } catch (error) {
    setFlagsFromString('--compact');
    throw error;
  }
  stoppedWhenIdle = false;
  // V8's tracking runs a native timer that keeps Node's event loop alive, so a script that never
  // calls stop() would never exit. When nothing else is left to keep the program running, stop it.
  exitGuard = setInterval(() => {
    // A forked child (Jest's workers among them) lives on its IPC channel, which shows as a pipe.
    if (process.channel) return;
    if (process.getActiveResourcesInfo().every((resource) => STDIO_RESOURCES.has(resource))) {
      stopAllocationTracking();
      stoppedWhenIdle = true;
    }
  }, 200);
  exitGuard.unref();
}

export function stopAllocationTracking(): void {
  if (!exitGuard) return;
  clearInterval(exitGuard);
  exitGuard = undefined;
  post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
  setFlagsFromString('--compact');
}

/** Whether tracking was stopped because the program had nothing left to do. */
export function trackingStoppedWhenIdle(): boolean {
  return stoppedWhenIdle;
}

/** V8 11 (Node 20): scripts' line ends must be in place before a snapshot, see readHeapSnapshot(). */
const needsLineEnds = Number(process.versions.v8.split('.')[0]) < 12;

/**
 * A V8 heap snapshot of the whole heap, parsed. Since V8 12 (Node 22) the inspector's
 * HeapProfiler.takeHeapSnapshot runs as a posted task unless the debugger is paused, so it no
 * longer completes inside Session.post; Node's own v8.writeHeapSnapshot() stays synchronous on
 * every line and, while allocation tracking is on, carries the same trace_tree and
 * trace_function_infos. It goes through a temporary file, deleted at once.
 *
 * V8 11 (Node 20) gives each function's position in its script the slow way, scanning the
 * script's source, unless the script's line ends were computed before: with TypeScript's compiler
 * loaded (ts-jest), a 22 MiB heap took 44 s to snapshot, 1 s once the debugger had been switched
 * on and off (which computes every script's line ends to report it).
 */
export function readHeapSnapshot(): unknown {
  if (needsLineEnds) {
    post('Debugger.enable');
    post('Debugger.disable');
  }
  const dir = mkdtempSync(join(tmpdir(), 'jest-tracemalloc-'));
  try {
    const file = writeHeapSnapshot(join(dir, 'heap.heapsnapshot'));
    return JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class HeapSnapshot {
  private readonly raw: RawHeapSnapshot;
  private readonly nodeSize: number;
  private readonly edgeSize: number;
  private readonly firstEdge: Uint32Array;
  private readonly field: Record<string, number>;
  private readonly edgeField: Record<string, number>;
  private readonly parentTrace = new Map<number, number>();
  private readonly traceFunction = new Map<number, number>();

  private constructor(raw: RawHeapSnapshot) {
    this.raw = raw;
    const meta = raw.snapshot.meta;
    this.field = Object.fromEntries(meta.node_fields.map((name, i) => [name, i]));
    this.edgeField = Object.fromEntries(meta.edge_fields.map((name, i) => [name, i]));
    this.nodeSize = meta.node_fields.length;
    this.edgeSize = meta.edge_fields.length;
    const count = raw.nodes.length / this.nodeSize;
    this.firstEdge = new Uint32Array(count + 1);
    const edgeCount = this.field.edge_count as number;
    for (let i = 0, edge = 0; i < count; i++) {
      this.firstEdge[i] = edge;
      edge += (raw.nodes[i * this.nodeSize + edgeCount] as number) * this.edgeSize;
    }
    this.firstEdge[count] = raw.edges.length;
    // trace_tree is nested: [id, functionInfoIndex, count, size, [children...], id, ...]
    const walk = (list: unknown[], parent: number): void => {
      for (let i = 0; i + 4 < list.length; i += 5) {
        const id = list[i] as number;
        this.parentTrace.set(id, parent);
        this.traceFunction.set(id, list[i + 1] as number);
        walk(list[i + 4] as unknown[], id);
      }
    };
    walk(raw.trace_tree, 0);
  }

  static take(): HeapSnapshot {
    return new HeapSnapshot(readHeapSnapshot() as RawHeapSnapshot);
  }

  private nodeValue(node: number, name: string): number {
    return this.raw.nodes[node * this.nodeSize + (this.field[name] as number)] as number;
  }

  private nodeName(node: number): string {
    return this.raw.strings[this.nodeValue(node, 'name')] ?? '';
  }

  private *edges(node: number): Generator<{ type: string; name: string | number; to: number }> {
    const { edges, strings } = this.raw;
    const types = this.raw.snapshot.meta.edge_types[0];
    const typeField = this.edgeField.type as number;
    const nameField = this.edgeField.name_or_index as number;
    const toField = this.edgeField.to_node as number;
    for (let e = this.firstEdge[node] as number; e < (this.firstEdge[node + 1] as number); e += this.edgeSize) {
      const type = types[edges[e + typeField] as number] ?? '';
      const nameOrIndex = edges[e + nameField] as number;
      const name = type === 'element' || type === 'hidden' ? nameOrIndex : (strings[nameOrIndex] ?? '');
      yield { type, name, to: (edges[e + toField] as number) / this.nodeSize };
    }
  }

  /** The node a property named `key` of any object points at (a probe holder made for the lookup). */
  findByProbe(key: string): number | null {
    const name = this.raw.strings.indexOf(key);
    if (name < 0) return null;
    const { edges } = this.raw;
    const property = this.raw.snapshot.meta.edge_types[0].indexOf('property');
    const typeField = this.edgeField.type as number;
    const nameField = this.edgeField.name_or_index as number;
    const toField = this.edgeField.to_node as number;
    for (let e = 0; e < edges.length; e += this.edgeSize) {
      if (edges[e + nameField] === name && edges[e + typeField] === property) return (edges[e + toField] as number) / this.nodeSize;
    }
    return null;
  }

  traceNodeOf(node: number): number {
    return this.nodeValue(node, 'trace_node_id');
  }

  /** Call frames of an allocation trace, oldest first. */
  stackOf(traceNodeId: number): CallFrame[] {
    const infos = this.raw.trace_function_infos;
    const fields = this.raw.snapshot.meta.trace_function_info_fields;
    const width = fields.length;
    const at = (name: string): number => fields.indexOf(name);
    const stack: CallFrame[] = [];
    for (let id = traceNodeId; id !== 0; id = this.parentTrace.get(id) ?? 0) {
      const index = this.traceFunction.get(id);
      if (index === undefined) break;
      const base = index * width;
      const name = this.raw.strings[infos[base + at('name')] as number] ?? '';
      const url = this.raw.strings[infos[base + at('script_name')] as number] ?? '';
      // V8 builtins (Uint8Array, Array.prototype.push...) have no script: users cannot act on them.
      if (!url) continue;
      stack.push({
        functionName: name,
        url,
        scriptId: String(infos[base + at('script_id')]),
        // the allocation tracker counts lines and columns from 1, profiles from 0
        lineNumber: (infos[base + at('line')] as number) - 1,
        columnNumber: (infos[base + at('column')] as number) - 1,
      });
    }
    return stack.reverse();
  }

  /** Bytes and counts of the live objects allocated while tracking, per allocating trace. */
  tracedObjects(): Map<number, { bytes: number; count: number }> {
    const perTrace = new Map<number, { bytes: number; count: number }>();
    const count = this.raw.nodes.length / this.nodeSize;
    for (let node = 0; node < count; node++) {
      const traceNodeId = this.traceNodeOf(node);
      if (traceNodeId === 0) continue;
      const entry = perTrace.get(traceNodeId) ?? { bytes: 0, count: 0 };
      entry.bytes += this.nodeValue(node, 'self_size');
      entry.count++;
      perTrace.set(traceNodeId, entry);
    }
    return perTrace;
  }

  /** Live ArrayBuffers allocated while tracking: their backing store size and allocating trace. */
  *arrayBufferStores(): Generator<{ size: number; traceNodeId: number }> {
    const count = this.raw.nodes.length / this.nodeSize;
    for (let node = 0; node < count; node++) {
      const name = this.nodeName(node);
      if (name !== 'ArrayBuffer' && name !== 'SharedArrayBuffer') continue;
      const traceNodeId = this.traceNodeOf(node);
      if (traceNodeId === 0) continue;
      for (const edge of this.edges(node)) {
        if (edge.name === 'backing_store') {
          const size = this.nodeValue(edge.to, 'self_size');
          if (size > 0) yield { size, traceNodeId };
        }
      }
    }
  }
}
