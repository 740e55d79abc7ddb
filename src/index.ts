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
} from './tracemalloc/tracing';
export type { StartOptions } from './tracemalloc/tracing';
export { Snapshot } from './tracemalloc/snapshot';
export type { KeyType } from './tracemalloc/snapshot';
export { SnapshotFileError } from './tracemalloc/snapshot-file';
export { Filter, DomainFilter } from './tracemalloc/filter';
export { Statistic, StatisticDiff } from './tracemalloc/statistic';
export { Trace } from './tracemalloc/trace';
export type { Domain } from './tracemalloc/trace';
export { Traceback } from './tracemalloc/traceback';
export { Frame } from './tracemalloc/frame';
export { tracerFilenamePattern } from './tracemalloc/frame-resolver';
export { measure } from './measure/measure';
export { detectLeak } from './measure/leak';
export type { LeakOptions, LeakReport } from './measure/leak';
export type { Measurement, MeasureOptions, MeasureResult, SitesOptions } from './measure/measure';
export { parseSize, formatSize } from './util/sizes';
export type { Size } from './util/sizes';
