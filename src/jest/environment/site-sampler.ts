import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { FrameResolver, isRuntimeFrame, isTracerFrame } from '../../core/frames';
import type { Frame } from '../../core/frame';
import { startSampling, stopSampling, tracesFromProfile, type SamplingProfile } from '../../core/sampling-profile';
import { Snapshot } from '../../core/snapshot';
import { isJestFrame } from '../jest-frames';
import type { TestSite } from './test-memory';

// Starting and stopping the sampling heap profiler around every test made a suite 3.8x slower
// (DESIGN.md). Instead one session runs per test file, and each test boundary leaves a mark in it:
// an allocation of two sampling intervals in a function of its own name. With the profiler's
// randomness suppressed it samples every `interval` bytes, so the mark is always sampled, and the
// samples between a test's two marks (by ordinal) are the test's.
const MARKERS = 64;
const MARKER_URL = 'jest-tracemalloc:test-boundary';
const MARKER_NAME = /^jestTracemallocBoundary(\d+)$/;
const markers = runInThisContext(
  `[${Array.from({ length: MARKERS }, (_, i) => `function jestTracemallocBoundary${i}(n) { return new Array(n); }`).join(',')}]`,
  { filename: MARKER_URL },
) as ((length: number) => unknown[])[];
let markSink: unknown = null; // keeps the mark's array from being optimized away

interface Boundary {
  index: number;
  key: number;
  opens: boolean;
}

/** One run of the profiler: it stops whenever code in the test lends the profiler. */
interface Segment {
  openAtStart: number[];
  boundaries: Boundary[];
  profile: SamplingProfile | null;
}

export class SiteSampler {
  private readonly segments: Segment[] = [];
  private current: Segment | null = null;
  private readonly open = new Set<number>();
  private boundaries = 0;
  private lent = 0;
  private finished = false;

  constructor(
    private readonly interval: number,
    private readonly hideFrame: (frame: Frame) => boolean,
  ) {}

  start(): void {
    if (this.current || this.finished || this.lent > 0) return;
    setFlagsFromString('--sampling-heap-profiler-suppress-randomness');
    try {
      startSampling({ samplingInterval: this.interval, includeGarbage: true });
    } catch (error) {
      setFlagsFromString('--no-sampling-heap-profiler-suppress-randomness');
      throw error;
    }
    this.current = { openAtStart: [...this.open], boundaries: [], profile: null };
    this.segments.push(this.current);
  }

  private stopSegment(): void {
    if (!this.current) return;
    try {
      this.current.profile = stopSampling();
    } finally {
      setFlagsFromString('--no-sampling-heap-profiler-suppress-randomness');
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

  /** Code in the test (the tracer, a matcher's sites) takes the profiler: the session pauses. */
  lend(): void {
    this.lent++;
    this.stopSegment();
  }

  takeBack(): void {
    this.lent = Math.max(0, this.lent - 1);
    if (this.lent === 0 && !this.finished && this.segments.length > 0) this.start();
  }

  /** Ends the session and returns each test's top allocating functions. */
  finish(top: number): Map<number, TestSite[]> {
    this.stopSegment();
    this.finished = true;
    markSink = null;
    const resolver = new FrameResolver();
    const sites = new Map<number, TestSite[]>();
    const profiles: [SamplingProfile, Map<number, SamplingProfile['samples']>][] = [];
    for (const segment of this.segments) {
      if (segment.profile) profiles.push([segment.profile, attribute(segment, segment.profile)]);
    }
    const hide = (frame: Frame): boolean => isRuntimeFrame(frame) || isTracerFrame(frame) || isJestFrame(frame) || this.hideFrame(frame);
    const traces = new Map<number, ReturnType<typeof tracesFromProfile>>();
    for (const [profile, samples] of profiles) {
      for (const [key, own] of samples) {
        const found = tracesFromProfile({ head: profile.head, samples: own }, { nframe: 1, resolver, hideFrame: hide, dropTracerAllocations: true })
          .filter((trace) => !trace.traceback.frames.every(hide)); // only the framework's: nothing to show
        traces.set(key, [...(traces.get(key) ?? []), ...found]);
      }
    }
    for (const [key, found] of traces) {
      const statistics = new Snapshot(found, 1, this.interval).statistics('lineno').slice(0, top);
      sites.set(
        key,
        statistics.map((s) => {
          const frame = s.traceback.frames[s.traceback.frames.length - 1] as Frame;
          return { file: frame.filename, line: frame.lineno, function: frame.functionName, size: s.size, count: s.count };
        }),
      );
    }
    return sites;
  }
}

/** Splits a segment's samples among the tests open when each was taken. */
function attribute(segment: Segment, profile: SamplingProfile): Map<number, SamplingProfile['samples']> {
  const perTest = new Map<number, SamplingProfile['samples']>();
  const markerOf = new Map<number, number>();
  const walk = [profile.head];
  while (walk.length > 0) {
    const node = walk.pop() as SamplingProfile['head'];
    const match = node.callFrame.url === MARKER_URL ? MARKER_NAME.exec(node.callFrame.functionName) : null;
    if (match) markMarkerNodes(node, Number(match[1]), markerOf);
    else walk.push(...node.children);
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
    for (const key of open) {
      let own = perTest.get(key);
      if (!own) perTest.set(key, (own = []));
      own.push(sample);
    }
  }
  return perTest;
}

function markMarkerNodes(node: SamplingProfile['head'], marker: number, markerOf: Map<number, number>): void {
  markerOf.set(node.id, marker);
  for (const child of node.children) markMarkerNodes(child, marker, markerOf); // builtins under the mark
}
