// `testRunner: 'jest-tracemalloc/runner'`: Jest's circus runner, returning each file's figures on
// its test result, the one channel from an environment to reporters that survives Jest's workers.
import type { FileMemory } from './jest/environment/test-memory';
import { RESULT_FIELD } from './jest/environment/test-memory';
import { requireFromJest } from './jest/jest-modules';

type Runner = (globalConfig: unknown, config: unknown, environment: unknown, ...rest: unknown[]) => Promise<Record<string, unknown>>;

const circus = requireFromJest<Runner | { default: Runner }>('jest-circus/runner');
const runCircus: Runner = typeof circus === 'function' ? circus : circus.default;

export default async function tracemallocRunner(globalConfig: unknown, config: unknown, environment: unknown, ...rest: unknown[]): Promise<Record<string, unknown>> {
  const result = await runCircus(globalConfig, config, environment, ...rest);
  const measured = environment as { tracemallocResults?: () => FileMemory };
  if (typeof measured.tracemallocResults === 'function') result[RESULT_FIELD] = measured.tracemallocResults();
  return result;
}
