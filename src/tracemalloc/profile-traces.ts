import type { CallFrame } from '../v8/call-frame';
import type { ProfileNode, SamplingProfile } from '../v8/sampling-profile';
import type { Frame } from './frame';
import { attributeTracerAllocations, isTracerFrame, type FrameResolver } from './frame-resolver';
import { Trace } from './trace';
import { Traceback } from './traceback';

// V8's sampling heap profile as tracemalloc's traces.

export interface BuildOptions {
  nframe: number;
  resolver: FrameResolver;
  /** Drop frames before applying the limit (sites hide Node internals and the framework). */
  hideFrame?: (frame: Frame) => boolean;
  /** Leave out what the tracer itself allocated (measure() runs its own code between calls). */
  dropTracerAllocations?: boolean;
}

/**
 * One trace per (call stack, sample size). At interval 1 every allocation is a sample of its own
 * size. Above it, measured on Node 20 and 26: V8 reports each sample's size as the bytes allocated
 * since the previous sample (about one interval, e.g. 4120 B at 4096), not the sampled object's
 * size, so summing sample sizes estimates bytes without any scaling, and `count` counts samples.
 */
export function tracesFromProfile(profile: SamplingProfile, options: BuildOptions): Trace[] {
  const { nframe, resolver, hideFrame, dropTracerAllocations = false } = options;
  const perNode = new Map<number, Map<number, number>>();
  for (const sample of profile.samples) {
    let sizes = perNode.get(sample.nodeId);
    if (!sizes) perNode.set(sample.nodeId, (sizes = new Map()));
    sizes.set(sample.size, (sizes.get(sample.size) ?? 0) + 1);
  }
  // Resolve only the call frames that lead to samples, with source maps fetched in one batch.
  const parents = new Map<number, ProfileNode | null>();
  const byId = new Map<number, ProfileNode>();
  const walk: [ProfileNode, ProfileNode | null][] = [[profile.head, null]];
  while (walk.length > 0) {
    const [node, parent] = walk.pop() as [ProfileNode, ProfileNode | null];
    byId.set(node.id, node);
    parents.set(node.id, parent);
    for (const child of node.children) walk.push([child, node]);
  }
  const stackOf = (id: number): CallFrame[] => {
    const stack: CallFrame[] = [];
    for (let node = byId.get(id); node && parents.get(node.id) !== null; node = parents.get(node.id) ?? undefined) {
      // V8 builtins (push, from, exec) have no script: their allocations belong to the JS caller,
      // as C functions' belong to the calling Python line in tracemalloc.
      const top = stack[stack.length - 1];
      if (top && !top.url) stack[stack.length - 1] = node.callFrame;
      else if (node.callFrame.url || !top) stack.push(node.callFrame);
    }
    return stack.reverse(); // oldest first
  };
  const stacks = new Map<number, CallFrame[]>();
  for (const id of perNode.keys()) stacks.set(id, stackOf(id));
  resolver.sourceMaps.prepare([...stacks.values()].flat());

  const traces: Trace[] = [];
  for (const [id, sizes] of perNode) {
    let frames = attributeTracerAllocations((stacks.get(id) ?? []).map((cf) => resolver.resolve(cf)));
    const last = frames[frames.length - 1];
    if (dropTracerAllocations && last && isTracerFrame(last)) continue;
    if (hideFrame) {
      const kept = frames.filter((frame) => !hideFrame(frame));
      if (kept.length > 0) frames = kept;
    }
    const traceback = new Traceback(frames.slice(-nframe), frames.length);
    for (const [size, samples] of sizes) traces.push(new Trace('heap', size * samples, traceback, samples));
  }
  return traces;
}
