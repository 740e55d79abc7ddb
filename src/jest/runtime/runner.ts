// `testRunner: 'jest-tracemalloc/runner'`: Jest's circus runner, returning each file's figures on
// its test result, the one channel from an environment to reporters that survives Jest's workers.
import type { FileMemory } from '../environment/test-memory';
import { FILE_MEMORY_VERSION, RESULT_FIELD } from '../environment/test-memory';
import { requireFromJest } from './jest-modules';

type Runner = (globalConfig: unknown, config: unknown, environment: unknown, ...rest: unknown[]) => Promise<Record<string, unknown>>;

const circus = requireFromJest<Runner | { default: Runner }>('jest-circus/runner');
const runCircus: Runner = typeof circus === 'function' ? circus : circus.default;

interface Measured {
  useProjectConfig?: (projectConfig: unknown) => void;
  tracemallocResults?: (context: { sourceMaps?: ReadonlyMap<string, string> }) => FileMemory;
}

/**
 * The file fails with `message` beside its tests' own results, as when Jest cannot write a
 * snapshot file: the run's exit code is 1 and the default reporter prints the message.
 */
function failFile(result: Record<string, unknown>, message: string): void {
  result.testExecError = { message, stack: '' };
  const before = typeof result.failureMessage === 'string' && result.failureMessage ? `${result.failureMessage}\n\n` : '';
  result.failureMessage = `${before}  ● ${message}\n`;
}

export default async function tracemallocRunner(
  globalConfig: unknown,
  config: unknown,
  environment: unknown,
  runtime: unknown,
  ...rest: unknown[]
): Promise<Record<string, unknown>> {
  const measured = environment as Measured;
  // the config as written (the environment got it with a docblock's options in place of the config's)
  measured.useProjectConfig?.(config);
  const result = await runCircus(globalConfig, config, environment, runtime, ...rest);
  if (typeof measured.tracemallocResults === 'function') {
    // Jest's maps of the files it transformed: sites point at the original source lines
    const sourceMaps = (runtime as { getSourceMaps?: () => ReadonlyMap<string, string> }).getSourceMaps?.();
    try {
      const memory = measured.tracemallocResults(sourceMaps ? { sourceMaps } : {});
      result[RESULT_FIELD] = memory;
      if (memory.baselines?.failure) failFile(result, `jest-tracemalloc: ${memory.baselines.failure}`);
    } catch (error) {
      // the tests ran and passed or failed on their own: only the figures are lost
      const memory: FileMemory = { version: FILE_MEMORY_VERSION, tests: [], warnings: [`no figures for this file: ${(error as Error).message}`] };
      result[RESULT_FIELD] = memory;
    }
  }
  return result;
}
