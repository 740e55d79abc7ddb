import { resolve, sep } from 'node:path';
import { Frame } from './frame';
import { SourceMapper, type SourceMapperOptions } from '../source/source-maps';
import type { CallFrame } from '../v8/call-frame';

export type { CallFrame };

/** The folder holding the tracer's own code (`build/` when installed: Jest hides frames under a jest-named package's build folder from stack traces, as its own). */
const TRACER_DIR = resolve(__dirname, '..');

/** A glob matching the tracer's own files, for `new Filter(false, tracerFilenamePattern)`. */
export const tracerFilenamePattern = `${TRACER_DIR.replace(/[*?[]/g, '[$&]')}${sep}*`; // [*] is fnmatch's escape

export function isTracerFrame(frame: Pick<Frame, 'filename'>): boolean {
  return frame.filename.startsWith(TRACER_DIR + sep);
}

// Code the tracer calls into: its bundled and installed dependencies.
const HELPER_DIRS = [
  resolve(TRACER_DIR, '..', 'vendor') + sep,
  `${sep}node_modules${sep}@jridgewell${sep}`,
];

export function isHelperFrame(frame: Pick<Frame, 'filename'>): boolean {
  return HELPER_DIRS.some((dir) => frame.filename.includes(dir));
}

/** Node's own code (`node:...`) and V8's pseudo-frames (`<V8 API>`). */
export function isRuntimeFrame(frame: Pick<Frame, 'filename'>): boolean {
  return frame.filename.startsWith('node:') || frame.filename.startsWith('<');
}

/** Turns V8 call frames into `Frame`s with original positions, once per distinct call frame. */
export class FrameResolver {
  private readonly cache = new Map<string, Frame>();
  readonly sourceMaps: SourceMapper;

  constructor(options?: SourceMapperOptions) {
    this.sourceMaps = new SourceMapper(options);
  }

  resolve(callFrame: CallFrame): Frame {
    const key = `${callFrame.scriptId}:${callFrame.url}:${callFrame.lineNumber}:${callFrame.columnNumber}:${callFrame.functionName}`;
    let frame = this.cache.get(key);
    if (!frame) {
      if (!callFrame.url) {
        // V8's own pseudo-functions, e.g. "(V8 API)" for allocations made from C++
        const name = callFrame.functionName.replace(/^\((.*)\)$/, '$1') || 'native';
        frame = new Frame(`<${name}>`, 0, callFrame.functionName);
      } else {
        const original = this.sourceMaps.original(callFrame);
        frame = new Frame(original.filename, original.line, callFrame.functionName, original.column);
      }
      this.cache.set(key, frame);
    }
    return frame;
  }
}

/**
 * Allocations made by the tracer itself (and by Node internals or libraries it called) are
 * attributed to the tracer's most recent frame, so one `Filter(false, tracerFilenamePattern)`
 * removes them, as tracemalloc's own lines are removed with `Filter(False, tracemalloc.__file__)`.
 */
export function attributeTracerAllocations(stack: readonly Frame[]): readonly Frame[] {
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i] as Frame;
    if (isRuntimeFrame(frame) || isHelperFrame(frame)) continue;
    return isTracerFrame(frame) ? stack.slice(0, i + 1) : stack;
  }
  return stack;
}
