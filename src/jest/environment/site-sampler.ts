import { runInThisContext } from 'node:vm';
import { FrameResolver, isHelperFrame, isRuntimeFrame, isTracerFrame, type CallFrame } from '../../tracemalloc/frame-resolver';
import { startSampling, stopSampling, type SamplingProfile } from '../../v8/sampling-profile';
import { BackgroundSession } from './background-session';
import { urlToFilename } from '../../source/source-maps';
import { isJestFrame } from '../runtime/jest-frames';
import type { TestSite } from './test-memory';

// Starting and stopping the sampling heap profiler around every test made a suite 3.8x slower
// (measured by the project's first design notes). Instead one session runs per test file, and each test boundary leaves a mark in it:
// an allocation of two sampling intervals in a function of its own name. With the profiler's
// randomness suppressed it samples every `interval` bytes, so the mark is always sampled, and the
// samples between a test's two marks (by ordinal) are the test's.
// Not one session for several files: V8 finds a sample's file and line from its script when the
// profile is read (after the inspector's forced GC), and a file's scripts die once Jest drops its
// module registry; read after the next file, its frames had names but no file or line (README, "A real suite").
const MARKERS = 64;
const MARKER_URL = 'jest-tracemalloc:test-boundary';
const MARKER_NAME = /^jestTracemallocBoundary(\d+)$/;
const markers = runInThisContext(
  `[${Array.from({ length: MARKERS }, (_, i) => `function jestTracemallocBoundary${i}(n) { return new Array(n); }`).join(',')}]`,
  { filename: MARKER_URL },
) as ((length: number) => unknown[])[];
let markSink: unknown = null; // keeps the mark's array from being optimized away

type ProfileNode = SamplingProfile['head'];

interface Boundary {
  index: number;
  key: number;
  opens: boolean;
}

/** One run of the profiler: it stops whenever the tracer or a matcher holds the profiler. */
interface Segment {
  openAtStart: number[];
  boundaries: Boundary[];
  profile: SamplingProfile | null;
}

/** Bytes and samples of one function, before its position is mapped to the source. */
export interface RawSite {
  callFrame: CallFrame;
  size: number;
  count: number;
}

export class SiteSampler extends BackgroundSession {
  private readonly segments: Segment[] = [];
  private current: Segment | null = null;
  private readonly open = new Set<number>();
  private boundaries = 0;

  constructor(
    private readonly interval: number,
    /** Frames of these files are skipped: their allocations go to the caller. */
    private readonly hideFile: (filename: string) => boolean,
  ) {
    super('the sites session');
  }

  protected get running(): boolean {
    return this.current !== null;
  }

  protected begin(): void {
    startSampling({ samplingInterval: this.interval, includeGarbage: true, exactSteps: true });
    this.current = { openAtStart: [...this.open], boundaries: [], profile: null };
    this.segments.push(this.current);
  }

  protected halt(): void {
    if (!this.current) return;
    try {
      this.current.profile = stopSampling();
    } finally {
      this.current = null;
    }
  }

  /** A test body starts (`opens`) or ends. */
  mark(key: number, opens: boolean): void {
    if (opens) this.open.add(key);
    else this.open.delete(key);
    if (!this.current) return;
    const index = this.boundaries++;
    this.current.boundaries.push({ index, key, opens });
    markSink = (markers[index % MARKERS] as (n: number) => unknown[])(Math.ceil((2 * this.interval) / 8) + 16);
  }

  /** Ends the session and returns each test's top allocating functions, not yet source-mapped. */
  finish(top: number): Map<number, RawSite[]> {
    this.end();
    markSink = null;
    const perTest = new Map<number, Map<string, RawSite>>();
    for (const segment of this.segments) if (segment.profile) this.attribute(segment, segment.profile, perTest);
    this.segments.length = 0;
    const chosen = new Map<number, RawSite[]>();
    for (const [key, bySite] of perTest) chosen.set(key, [...bySite.values()].sort((a, b) => b.size - a.size).slice(0, top));
    return chosen;
  }

  /** Whether an allocation in this function is the user's (else it goes to the caller). */
  private visible(callFrame: CallFrame): boolean {
    if (!callFrame.url) return false; // V8 builtins: the JS caller allocated
    const frame = { filename: urlToFilename(callFrame.url) };
    return !(isRuntimeFrame(frame) || isTracerFrame(frame) || isHelperFrame(frame) || isJestFrame(frame) || this.hideFile(frame.filename));
  }

  /** Adds a segment's samples to the tests open when each was taken, per allocating function. */
  private attribute(segment: Segment, profile: SamplingProfile, perTest: Map<number, Map<string, RawSite>>): void {
    // Each node's nearest visible function (itself or a caller), and the marks.
    const siteOf = new Map<number, { key: string; callFrame: CallFrame } | null>();
    const markerOf = new Map<number, number>();
    type Site = { key: string; callFrame: CallFrame } | null;
    const walk: [ProfileNode, Site, number | null][] = [[profile.head, null, null]];
    while (walk.length > 0) {
      const [node, inherited, inheritedMarker] = walk.pop() as [ProfileNode, Site, number | null];
      const cf = node.callFrame as CallFrame;
      const match = cf.url === MARKER_URL ? MARKER_NAME.exec(cf.functionName) : null;
      const marker = match ? Number(match[1]) : inheritedMarker; // builtins under a mark are the mark
      if (marker !== null) markerOf.set(node.id, marker);
      // one entry per function, whichever node (call path) and segment it is seen in
      const site = this.visible(cf) ? { key: `${cf.scriptId}:${cf.lineNumber}:${cf.columnNumber}:${cf.functionName}`, callFrame: cf } : inherited;
      siteOf.set(node.id, site);
      for (const child of node.children) walk.push([child, site, marker]);
    }

    const open = new Set(segment.openAtStart);
    const { boundaries } = segment;
    let next = 0;
    const apply = (until: number): void => {
      for (; next < until; next++) {
        const boundary = boundaries[next] as Boundary;
        if (boundary.opens) open.add(boundary.key);
        else open.delete(boundary.key);
      }
    };
    const samples = [...profile.samples].sort((a, b) => a.ordinal - b.ordinal);
    for (const sample of samples) {
      const marker = markerOf.get(sample.nodeId);
      if (marker !== undefined) {
        const previous = boundaries[next - 1];
        if (previous && previous.index % MARKERS === marker) continue; // a second sample of the same mark
        // The mark's boundary; marks V8 did not sample (never seen so far) are applied on the way.
        for (let j = next; j < boundaries.length && j < next + MARKERS; j++) {
          if ((boundaries[j] as Boundary).index % MARKERS === marker) {
            apply(j + 1);
            break;
          }
        }
        continue;
      }
      const site = siteOf.get(sample.nodeId);
      if (!site) continue; // only Node's, Jest's or the tracer's code: nothing the user can act on
      for (const key of open) {
        let bySite = perTest.get(key);
        if (!bySite) perTest.set(key, (bySite = new Map()));
        const raw = bySite.get(site.key) ?? { callFrame: site.callFrame, size: 0, count: 0 };
        raw.size += sample.size;
        raw.count += 1;
        bySite.set(site.key, raw);
      }
    }
  }
}

/**
 * Maps the chosen sites to their original source, in one batch. `mapFiles` are Jest's maps of the
 * files it transformed; without them the debugger is asked.
 */
export function resolveSites(raw: ReadonlyMap<number, RawSite[]>, mapFiles?: ReadonlyMap<string, string>): Map<number, TestSite[]> {
  const resolver = new FrameResolver(mapFiles ? { mapFiles } : {});
  resolver.sourceMaps.prepare([...raw.values()].flat().map((site) => site.callFrame));
  const sites = new Map<number, TestSite[]>();
  for (const [key, list] of raw) {
    sites.set(
      key,
      list.map(({ callFrame, size, count }) => {
        const frame = resolver.resolve(callFrame);
        return { file: frame.filename, line: frame.lineno, function: frame.functionName, size, count };
      }),
    );
  }
  return sites;
}
