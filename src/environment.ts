// `testEnvironment: 'jest-tracemalloc/environment'`
import TracemallocEnvironment from './jest/environment/environment';

export default TracemallocEnvironment;
export const TestEnvironment = TracemallocEnvironment;
export type { TracemallocEnvironmentOptions } from './jest/environment/options';
export type { FileMemory, TestMemory, TestSite } from './jest/environment/test-memory';
