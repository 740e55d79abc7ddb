// jest-tracemalloc: Python's tracemalloc for Node, and exact allocation totals (measure).
export {
  start,
  stop,
  isTracing,
  takeSnapshot,
  getTracedMemory,
  resetPeak,
  clearTraces,
  getObjectTraceback,
  getTracebackLimit,
  getTracemallocMemory,
} from './core/tracer';
export type { StartOptions } from './core/tracer';
export { Snapshot } from './core/snapshot';
export type { KeyType } from './core/snapshot';
export { SnapshotFileError } from './core/snapshot-file';
export { Filter, DomainFilter } from './core/filter';
export { Statistic, StatisticDiff } from './core/statistic';
export { Trace } from './core/trace';
export type { Domain } from './core/trace';
export { Traceback } from './core/traceback';
export { Frame } from './core/frame';
export { tracerFilenamePattern } from './core/frames';
export { measure } from './core/measure';
export { detectLeak } from './core/leak';
export type { LeakOptions, LeakReport } from './core/leak';
export type { Measurement, MeasureOptions, MeasureResult, SitesOptions } from './core/measure';
export { parseSize, formatSize } from './core/units';
export type { Size } from './core/units';
