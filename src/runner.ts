// `testRunner: 'jest-tracemalloc/runner'`: Jest's circus runner, returning each file's figures on
// its test result, the one channel from an environment to reporters that survives Jest's workers.
import type { FileMemory } from './jest/environment/test-memory';
import { RESULT_FIELD } from './jest/environment/test-memory';
import { requireFromJest } from './jest/jest-modules';

type Runner = (globalConfig: unknown, config: unknown, environment: unknown, ...rest: unknown[]) => Promise<Record<string, unknown>>;

const circus = requireFromJest<Runner | { default: Runner }>('jest-circus/runner');
const runCircus: Runner = typeof circus === 'function' ? circus : circus.default;

interface Measured {
  tracemallocResults?: (context: { sourceMaps?: ReadonlyMap<string, string> }) => FileMemory;
}

export default async function tracemallocRunner(
  globalConfig: unknown,
  config: unknown,
  environment: unknown,
  runtime: unknown,
  ...rest: unknown[]
): Promise<Record<string, unknown>> {
  const result = await runCircus(globalConfig, config, environment, runtime, ...rest);
  const measured = environment as Measured;
  if (typeof measured.tracemallocResults === 'function') {
    // Jest's maps of the files it transformed: sites point at the original source lines
    const sourceMaps = (runtime as { getSourceMaps?: () => ReadonlyMap<string, string> }).getSourceMaps?.();
    try {
      result[RESULT_FIELD] = measured.tracemallocResults(sourceMaps ? { sourceMaps } : {});
    } catch (error) {
      // the tests ran and passed or failed on their own: only the figures are lost
      const memory: FileMemory = { version: 1, tests: [], warnings: [`no figures for this file: ${(error as Error).message}`] };
      result[RESULT_FIELD] = memory;
    }
  }
  return result;
}
