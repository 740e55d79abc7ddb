import { fnmatchToRegExp } from '../../tracemalloc/fnmatch';
import { checkCount, checkKnownOptions, describeValue } from '../../util/checks';
import { DEFAULT_TOLERANCE, DEFAULT_WHOLE_TEST_TOLERANCE, readTolerance, type Tolerance, type ToleranceOption } from '../baselines/tolerance';

/** `testEnvironmentOptions.tracemalloc`, as users write it. */
export interface TracemallocEnvironmentOptions {
  /**
   * Record each test's top allocating functions. Uses V8's sampling heap profiler, one session per
   * test file. `true` means `{ samplingInterval: 32768, top: 5 }`. Default false.
   */
  sites?: boolean | { samplingInterval?: number; top?: number };
  /** Also measure what each test leaves reachable (a full GC before and after each test). Default false. */
  retained?: boolean;
  /**
   * Files whose frames are skipped when naming allocating functions (fnmatch patterns, `*` crosses
   * `/`), e.g. `'*\/node_modules/lodash/*'`: their allocations go to the calling function. Node's,
   * Jest's and the tracer's own frames are always skipped.
   */
  hideFrames?: string[];
  /**
   * Allocation baselines (`__memory__/<test file>.json`). `everyTest: true` keeps one for every
   * test's figure without a matcher in it, failing the tests that regress, at a tolerance of 15%
   * and 256 KiB (a body run once moves by up to about 130 KiB); `everyTest: { tolerance }` sets
   * another. `tolerance` (default 15% and 16 KiB) and `failOnImprovement` are the defaults of
   * `toMatchAllocationBaseline`; `failOnImprovement` applies to everyTest too.
   */
  baselines?: { everyTest?: boolean | { tolerance?: ToleranceOption }; tolerance?: ToleranceOption; failOnImprovement?: boolean };
}

export interface EnvironmentSettings {
  sites: { samplingInterval: number; top: number } | null;
  retained: boolean;
  hideFrames: RegExp[];
  baselines: { everyTest: boolean; wholeTestTolerance: Tolerance; tolerance: Tolerance; failOnImprovement: boolean };
}

const DEFAULT_SITES = { samplingInterval: 32768, top: 5 };

/** The key under `testEnvironmentOptions` (jest-environment-node copies each key onto the global). */
export const OPTIONS_KEY = 'tracemalloc';

export class EnvironmentOptionsError extends Error {
  constructor(why: string) {
    super(`jest-tracemalloc: testEnvironmentOptions.${OPTIONS_KEY}: ${why}`);
    this.name = 'EnvironmentOptionsError';
  }
}

export function readEnvironmentOptions(raw: unknown): EnvironmentSettings {
  const settings: EnvironmentSettings = {
    sites: null,
    retained: false,
    hideFrames: [],
    baselines: { everyTest: false, wholeTestTolerance: DEFAULT_WHOLE_TEST_TOLERANCE, tolerance: DEFAULT_TOLERANCE, failOnImprovement: false },
  };
  if (raw === undefined) return settings;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EnvironmentOptionsError(`expected an object, got ${describeValue(raw)}`);
  const options = raw as Record<string, unknown>;
  const check = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw new EnvironmentOptionsError((error as Error).message);
    }
  };
  check(() => checkKnownOptions(options, ['sites', 'retained', 'hideFrames', 'baselines']));

  const { sites, retained, hideFrames, baselines } = options;
  if (sites === true) settings.sites = { ...DEFAULT_SITES };
  else if (typeof sites === 'object' && sites !== null && !Array.isArray(sites)) {
    const given = sites as Record<string, unknown>;
    check(() => checkKnownOptions(given, ['samplingInterval', 'top'], 'sites'));
    settings.sites = {
      samplingInterval: check(() => checkCount('sites.samplingInterval', given.samplingInterval ?? DEFAULT_SITES.samplingInterval, 1)),
      top: check(() => checkCount('sites.top', given.top ?? DEFAULT_SITES.top, 1)),
    };
  } else if (sites !== undefined && sites !== false) {
    throw new EnvironmentOptionsError(`sites must be a boolean or { samplingInterval?, top? }, got ${describeValue(sites)}`);
  }

  if (retained !== undefined && typeof retained !== 'boolean') throw new EnvironmentOptionsError(`retained must be a boolean, got ${describeValue(retained)}`);
  settings.retained = retained === true;

  if (hideFrames !== undefined) {
    if (!Array.isArray(hideFrames) || hideFrames.some((p) => typeof p !== 'string' || p === '')) {
      throw new EnvironmentOptionsError(`hideFrames must be an array of file name patterns, got ${JSON.stringify(hideFrames)}`);
    }
    settings.hideFrames = (hideFrames as string[]).map(fnmatchToRegExp);
  }

  if (baselines !== undefined) {
    if (typeof baselines !== 'object' || baselines === null || Array.isArray(baselines)) {
      throw new EnvironmentOptionsError(`baselines must be { everyTest?, tolerance?, failOnImprovement? }, got ${describeValue(baselines)}`);
    }
    const given = baselines as Record<string, unknown>;
    check(() => checkKnownOptions(given, ['everyTest', 'tolerance', 'failOnImprovement'], 'baselines'));
    if (given.failOnImprovement !== undefined && typeof given.failOnImprovement !== 'boolean') {
      throw new EnvironmentOptionsError(`baselines.failOnImprovement must be a boolean, got ${describeValue(given.failOnImprovement)}`);
    }
    const { everyTest } = given;
    let wholeTestTolerance = DEFAULT_WHOLE_TEST_TOLERANCE;
    if (typeof everyTest === 'object' && everyTest !== null && !Array.isArray(everyTest)) {
      check(() => checkKnownOptions(everyTest, ['tolerance'], 'baselines.everyTest'));
      const tolerance = (everyTest as { tolerance?: unknown }).tolerance;
      wholeTestTolerance = check(() => readTolerance(tolerance, DEFAULT_WHOLE_TEST_TOLERANCE));
    } else if (everyTest !== undefined && typeof everyTest !== 'boolean') {
      throw new EnvironmentOptionsError(`baselines.everyTest must be a boolean or { tolerance }, got ${describeValue(everyTest)}`);
    }
    settings.baselines = {
      everyTest: everyTest === true || (typeof everyTest === 'object' && everyTest !== null),
      wholeTestTolerance,
      tolerance: check(() => readTolerance(given.tolerance)),
      failOnImprovement: given.failOnImprovement === true,
    };
  }
  return settings;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Options of a docblock over the config's, per key: objects (`baselines`, `sites`) merge key by key,
 * anything else (a boolean, `hideFrames`) replaces. `{"sites": true}` in a file keeps the config's
 * `baselines.everyTest`.
 */
export function mergeOptions(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = mergeOptions(base[key], value);
  return merged;
}

/** The `tracemalloc` options of a `@jest-environment-options` docblock, or undefined. */
export function docblockOptionsOf(pragmas: Record<string, string | string[]> | undefined): unknown {
  const text = pragmas?.['jest-environment-options'];
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text); // Jest parsed it already: it is valid
    return isPlainObject(parsed) ? parsed[OPTIONS_KEY] : undefined;
  } catch {
    return undefined;
  }
}
