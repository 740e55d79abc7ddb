import { forceGc } from '../v8/force-gc';
import { readHeapSnapshot } from '../v8/heap-snapshot';
import { pinObjectIds } from '../v8/sampling-profile';

// What the program's own objects grew by between two V8 heap snapshots, and which long-lived objects
// hold the growth. Used by detectLeak() to confirm a leak and to name it, as memlab names retainers.
//
// Each object of the later snapshot that the earlier one did not have is charged to its first
// ancestor on a shortest path from the GC roots that both snapshots have (the holder: the Set that
// gained entries, the array of listeners); each object that went is credited back to its holder the
// same way, so a Set whose table was reallocated bigger is charged the difference. Growth that is
// V8's own is not the program's: objects that hang off compiled code, bytecode or hidden classes
// (feedback, optimised code's metadata; on Node 20 they live in the old generation and grew by up to
// 500 B per call for the first thousands of calls of acorn), objects only the GC roots' own lists
// hold (the tracer's work, internalized strings), and the tables of WeakMaps and WeakSets, which V8
// grows by 16 B per insertion of a key that later dies (up to 4 MB over 500,000 calls, Node 20).

/** A long-lived object whose reachable memory grew. */
export interface GrowthHolder {
  /** What it is, as the heap snapshot names it: `Set`, `Array`, `Object`, `EventEmitter`, ... */
  kind: string;
  /** How the program reaches it: the variable or property names on its shortest path from the roots. */
  path: string;
  /** Net bytes grown under it. */
  bytes: number;
  /** Net objects added under it. */
  objects: number;
}

export interface HeapGrowth {
  /** Net bytes of the program's own objects grown between the two snapshots. */
  bytes: number;
  /** The holders that grew most, biggest first. */
  holders: GrowthHolder[];
  /**
   * Net bytes grown that are not the program's: V8's compiled code and feedback, weak tables, and
   * some of the comparison's own work that V8's code still points at.
   */
  v8Bytes: number;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Node types whose descendants are V8's own, not the program's. */
const V8_TYPES = new Set(['code', 'object shape', 'hidden']);
/** Holders whose growth is V8's bookkeeping: a weak collection keeps no entry alive. */
const WEAK_HOLDERS = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry']);
const NO_PARENT = -1;

/**
 * One snapshot boiled down to typed arrays (so that holding it while the next one is taken adds
 * next to nothing to the heap): each object's id, size, type, name and parent on a shortest path
 * from the roots, with the edge that leads to it.
 */
class HeapGraph {
  readonly ids: Float64Array;
  readonly sizes: Float64Array;
  readonly parents: Int32Array;
  readonly types: Uint8Array;
  readonly names: Uint32Array;
  /** The edge from the parent (its offset in the snapshot's edges). */
  readonly via: Uint32Array;
  /** The later snapshot's edges, to name how the program reaches a holder. */
  private edges: number[] = [];
  private firstEdge = new Uint32Array(0);
  private edgeWidth = 0;
  private edgeTypeNames: string[] = [];
  private edgeFields = { type: 0, name: 0, to: 0 };
  private nodeWidth = 1;
  readonly typeNames: string[];
  /** The snapshot's strings; only kept for the later snapshot, whose holders are named. */
  readonly strings: string[];

  private constructor(raw: RawSnapshot, keepNames: boolean) {
    const meta = raw.snapshot.meta;
    const nodeWidth = meta.node_fields.length;
    const edgeWidth = meta.edge_fields.length;
    const field = (name: string): number => meta.node_fields.indexOf(name);
    const edgeField = (name: string): number => meta.edge_fields.indexOf(name);
    const count = raw.nodes.length / nodeWidth;
    this.typeNames = meta.node_types[0];
    this.strings = keepNames ? raw.strings : [];
    this.ids = new Float64Array(count);
    this.sizes = new Float64Array(count);
    this.types = new Uint8Array(count);
    this.names = new Uint32Array(count);
    this.parents = new Int32Array(count).fill(NO_PARENT);
    this.via = new Uint32Array(count);
    const firstEdge = new Uint32Array(count + 1);
    const [idField, sizeField, typeField, nameField, edgeCountField] = ['id', 'self_size', 'type', 'name', 'edge_count'].map(field) as number[];
    for (let i = 0, edge = 0; i < count; i++) {
      const base = i * nodeWidth;
      this.ids[i] = raw.nodes[base + (idField as number)] as number;
      this.sizes[i] = raw.nodes[base + (sizeField as number)] as number;
      this.types[i] = raw.nodes[base + (typeField as number)] as number;
      this.names[i] = raw.nodes[base + (nameField as number)] as number;
      firstEdge[i] = edge;
      edge += (raw.nodes[base + (edgeCountField as number)] as number) * edgeWidth;
    }
    firstEdge[count] = raw.edges.length;
    // Breadth first over strong edges, from the program's global objects first (the root's
    // shortcuts to them), then from the GC roots: each object's parent is on a shortest path, one
    // through the program's own variables where there is one.
    const edgeTypes = meta.edge_types[0];
    const weak = edgeTypes.indexOf('weak');
    const shortcut = edgeTypes.indexOf('shortcut');
    const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map(edgeField) as number[];
    const queue = new Int32Array(count);
    const seen = new Uint8Array(count);
    let head = 0;
    let tail = 0;
    const visit = (from: number, edge: number): void => {
      const to = (raw.edges[edge + (eTo as number)] as number) / nodeWidth;
      if (seen[to]) return;
      seen[to] = 1;
      this.parents[to] = from;
      this.via[to] = edge;
      queue[tail++] = to;
    };
    seen[0] = 1;
    for (let e = firstEdge[0] as number; e < (firstEdge[1] as number); e += edgeWidth) {
      if (raw.edges[e + (eType as number)] === shortcut) visit(0, e);
    }
    for (let round = 0; round < 2; round++) {
      while (head < tail) {
        const node = queue[head++] as number;
        for (let e = firstEdge[node] as number; e < (firstEdge[node + 1] as number); e += edgeWidth) {
          if (raw.edges[e + (eType as number)] !== weak) visit(node, e);
        }
      }
      for (let e = firstEdge[0] as number; e < (firstEdge[1] as number); e += edgeWidth) visit(0, e);
    }
    if (keepNames) {
      this.firstEdge = firstEdge;
      this.edges = raw.edges;
      this.edgeWidth = edgeWidth;
      this.edgeTypeNames = edgeTypes;
      this.edgeFields = { type: eType as number, name: eName as number, to: eTo as number };
      this.nodeWidth = nodeWidth;
    }
  }

  static take(keepNames: boolean): HeapGraph {
    forceGc();
    return new HeapGraph(readHeapSnapshot() as RawSnapshot, keepNames);
  }

  typeOf(node: number): string {
    return this.typeNames[this.types[node] as number] ?? '';
  }

  nameOf(node: number): string {
    return this.strings[this.names[node] as number] ?? '';
  }

  /**
   * For each of `targets`, the best name a retainer gives it: a variable (`ids`) over a property
   * (`.listeners`, with the object that has it), from one pass over every edge.
   */
  retainerNames(targets: number[]): Map<number, { name: string; kind: 'variable' | 'property'; from: number }> {
    const wanted = new Set(targets);
    const found = new Map<number, { name: string; kind: 'variable' | 'property'; from: number }>();
    const count = this.ids.length;
    for (let from = 0; from < count; from++) {
      for (let e = this.firstEdge[from] as number; e < (this.firstEdge[from + 1] as number); e += this.edgeWidth) {
        const to = (this.edges[e + this.edgeFields.to] as number) / this.nodeWidth;
        if (!wanted.has(to) || found.get(to)?.kind === 'variable') continue;
        const type = this.edgeTypeNames[this.edges[e + this.edgeFields.type] as number];
        const name = this.strings[this.edges[e + this.edgeFields.name] as number] ?? '';
        if (!name || name.startsWith('(') || name === 'this') continue;
        if (type === 'context') found.set(to, { name, kind: 'variable', from });
        else if (type === 'property' && !found.has(to) && !name.startsWith('__')) found.set(to, { name, kind: 'property', from });
      }
    }
    return found;
  }

  /** How the parent refers to `node`: `ids` (a variable), `.data` (a property), `[3]` (an element). */
  edgeName(node: number): string {
    if (!this.edges.length || this.parents[node] === NO_PARENT) return '';
    const edge = this.via[node] as number;
    const type = this.edgeTypeNames[this.edges[edge + this.edgeFields.type] as number];
    const name = this.edges[edge + this.edgeFields.name] as number;
    if (type === 'element') return `[${name}]`;
    if (type === 'context') return this.strings[name] ?? '';
    if (type === 'property') return `.${this.strings[name] ?? ''}`;
    return '';
  }
}

/** Index of each id in a graph. */
function indexById(graph: HeapGraph): Map<number, number> {
  const index = new Map<number, number>();
  for (let i = 0; i < graph.ids.length; i++) index.set(graph.ids[i] as number, i);
  return index;
}

const V8_OWN = -2;

/**
 * For every object of `graph`, the index (in `graph`) of its holder: its first ancestor that the
 * other snapshot also has, or V8_OWN when the path to it passes through V8's own objects, or
 * NO_PARENT for objects unreachable or held by the roots' lists alone.
 */
function holdersOf(graph: HeapGraph, inBoth: Uint8Array): Int32Array {
  const holder = new Int32Array(graph.ids.length).fill(-3); // -3: not computed yet
  const chain: number[] = [];
  for (let start = 0; start < graph.ids.length; start++) {
    if (inBoth[start] || holder[start] !== -3) continue;
    chain.length = 0;
    let node = start;
    let found = NO_PARENT;
    for (;;) {
      if (holder[node] !== -3 && node !== start) {
        found = holder[node] as number;
        break;
      }
      chain.push(node);
      if (V8_TYPES.has(graph.typeOf(node))) {
        found = V8_OWN;
        break;
      }
      const parent = graph.parents[node] as number;
      if (parent === NO_PARENT) break;
      if (inBoth[parent]) {
        found = V8_TYPES.has(graph.typeOf(parent)) || graph.typeOf(parent) === 'synthetic' ? V8_OWN : parent;
        break;
      }
      node = parent;
    }
    for (const n of chain) holder[n] = found;
  }
  return holder;
}

/**
 * How the program reaches a holder: the variable and property names on its path, nearest four,
 * e.g. `registry.ids` or `emitter._events.data`.
 */
function pathOf(graph: HeapGraph, node: number): string {
  const names: string[] = [];
  for (let n = node; n > 0 && names.length < 4; n = graph.parents[n] as number) {
    const name = graph.edgeName(n);
    if (name) names.push(name);
    if (name && !name.startsWith('.') && !name.startsWith('[')) break; // a variable starts the path
  }
  return names.reverse().join('').replace(/^\./, '');
}

/**
 * The names the program reaches each holder by, e.g. `registry.listeners` or `emitter._events.data`:
 * up to three properties back to a variable, each from the best retainer (a variable over a
 * property), else the names on the shortest path from the roots.
 */
function namesOf(graph: HeapGraph, holders: number[]): Map<number, string> {
  const names = new Map<number, string>();
  let level = new Map(holders.map((h) => [h, h])); // node to name -> holder it names
  const suffix = new Map<number, string>(holders.map((h) => [h, '']));
  for (let depth = 0; depth < 3 && level.size > 0; depth++) {
    const found = graph.retainerNames([...level.keys()]);
    const next = new Map<number, number>();
    for (const [node, holder] of level) {
      const best = found.get(node);
      const rest = suffix.get(holder) ?? '';
      if (!best) continue;
      if (best.kind === 'variable') names.set(holder, `${best.name}${rest}`);
      else {
        suffix.set(holder, `.${best.name}${rest}`);
        next.set(best.from, holder);
      }
    }
    level = next;
  }
  for (const holder of holders) {
    if (!names.has(holder)) names.set(holder, (suffix.get(holder) || `.${pathOf(graph, holder)}`).replace(/^\./, ''));
  }
  return names;
}

/** Snapshots the heap now; `growth()` compares a later snapshot with it. */
export class HeapGrowthProbe {
  // The probe exists before its first snapshot, so what it keeps (this graph) is charged to it.
  private readonly before = HeapGraph.take(false);
  /** The two snapshots are matched by V8's object ids: nothing may reset them in between. */
  readonly release = pinObjectIds();

  growth(limit = 5): HeapGrowth {
    const before = this.before;
    let after: HeapGraph;
    try {
      after = HeapGraph.take(true);
    } finally {
      this.release();
    }
    const beforeIndex = indexById(before);
    const inBothAfter = new Uint8Array(after.ids.length);
    const inBothBefore = new Uint8Array(before.ids.length);
    /** Each earlier object's index in the later snapshot (-1: it went). */
    const afterOf = new Int32Array(before.ids.length).fill(-1);
    for (let i = 0; i < after.ids.length; i++) {
      const j = beforeIndex.get(after.ids[i] as number);
      if (j !== undefined) {
        inBothAfter[i] = 1;
        inBothBefore[j] = 1;
        afterOf[j] = i;
      }
    }
    const byHolder = new Map<number, { bytes: number; objects: number }>(); // keyed by index in `after`
    let v8Bytes = 0;
    const charge = (holderInAfter: number, bytes: number, objects: number): void => {
      const entry = byHolder.get(holderInAfter) ?? { bytes: 0, objects: 0 };
      entry.bytes += bytes;
      entry.objects += objects;
      byHolder.set(holderInAfter, entry);
    };
    // weak tables are V8's bookkeeping; the probe's own (the earlier snapshot it keeps) is nobody's
    const isWeak = (node: number): boolean => after.typeOf(node) === 'object' && WEAK_HOLDERS.has(after.nameOf(node));
    const isOwn = (node: number): boolean => after.typeOf(node) === 'object' && after.nameOf(node) === HeapGrowthProbe.name;
    const added = holdersOf(after, inBothAfter);
    /** Per holder, the names under which new objects hang right off it (`__s` of the global). */
    const entries = new Map<number, Map<string, number>>();
    for (let i = 0; i < after.ids.length; i++) {
      if (inBothAfter[i]) continue;
      const h = added[i] as number;
      if (h === NO_PARENT || isOwn(h)) continue;
      if (h === V8_OWN || isWeak(h)) {
        v8Bytes += after.sizes[i] as number;
        continue;
      }
      charge(h, after.sizes[i] as number, 1);
      if (after.parents[i] === h) {
        const name = after.edgeName(i);
        const names = entries.get(h) ?? new Map<string, number>();
        names.set(name, (names.get(name) ?? 0) + (after.sizes[i] as number));
        entries.set(h, names);
      }
    }
    const removed = holdersOf(before, inBothBefore);
    for (let j = 0; j < before.ids.length; j++) {
      if (inBothBefore[j]) continue;
      const h = removed[j] as number;
      if (h === NO_PARENT) continue;
      const inAfter = h >= 0 ? (afterOf[h] as number) : undefined; // a holder is in both snapshots
      if (inAfter !== undefined && isOwn(inAfter)) continue;
      if (inAfter === undefined || isWeak(inAfter)) v8Bytes -= before.sizes[j] as number;
      else charge(inAfter, -(before.sizes[j] as number), -1);
    }
    const top = [...byHolder]
      .filter(([, g]) => g.bytes > 0)
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, limit);
    const named = namesOf(after, top.map(([node]) => node));
    const holders = top
      .map(([node, g]) => {
        // the name the growth hangs under, when it is the program's (a property, a variable); an
        // element's index names one entry of the holder, not the holder (`pending`, not `pending[10133]`)
        const under = [...(entries.get(node) ?? [])].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
        const variable = under !== '' && !under.startsWith('.') && !under.startsWith('[');
        const property = under.startsWith('.') ? under : '';
        const path = variable ? under : `${named.get(node) ?? ''}${property}`.replace(/^\./, '');
        return { kind: after.nameOf(node) || after.typeOf(node), path, bytes: g.bytes, objects: g.objects };
      });
    const bytes = [...byHolder.values()].reduce((sum, g) => sum + g.bytes, 0);
    return { bytes, holders: holders.slice(0, limit), v8Bytes };
  }
}
