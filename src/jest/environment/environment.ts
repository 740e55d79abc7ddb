import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import type NodeEnvironmentClass from 'jest-environment-node';
import { shareSampler } from '../../v8/sampler-lease';
import { makeExternalAccountingExact } from '../../v8/force-gc';
import { makeAllocationsRepeatable } from '../../v8/repeatable-allocations';
import { ENVIRONMENT_BRIDGE, type EnvironmentBridge } from '../runtime/bridge';
import { requireFromJest } from '../runtime/jest-modules';
import type { UpdateMode } from '../baselines/baseline-store';
import { BaselineTracking } from './baseline-tracking';
import { FileSampling } from './file-sampling';
import { docblockOptionsOf, mergeOptions, OPTIONS_KEY, readEnvironmentOptions, type EnvironmentSettings } from './options';
import { TestFigures } from './test-figures';
import { FILE_MEMORY_VERSION, type FileMemory } from './test-memory';

export { fullTestName } from './test-figures';

const NodeEnvironment = requireFromJest<{ TestEnvironment: typeof NodeEnvironmentClass }>('jest-environment-node').TestEnvironment;

type Handler = (event: Circus.Event, state: Circus.State) => void;

/**
 * `testEnvironment: 'jest-tracemalloc/environment'`: Jest's node environment, measuring what each
 * test body allocates. Made of parts with one job each, each following Jest's events as
 * jest-circus's own handlers do: the file's background sampling, the tests' figures, the baselines.
 */
export default class TracemallocEnvironment extends NodeEnvironment {
  private settings: EnvironmentSettings;
  /** The `tracemalloc` options of a `@jest-environment-options` docblock, which Jest put in place of the config's. */
  private readonly docblockOptions: unknown;
  private readonly warnings: string[] = [];
  private readonly sampling = new FileSampling();
  private readonly figures: TestFigures;
  private readonly baselines: BaselineTracking;
  private readonly handlers: Handler[];
  private readonly unshareSampler: () => void;
  /** After an internal error the file's figures are given up (its tests go on). */
  private stopped = false;
  /** The runner took this file's results (and with them a baseline failure to report). */
  private resultsTaken = false;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    const { [OPTIONS_KEY]: raw, ...others } = config.projectConfig.testEnvironmentOptions ?? {};
    const settings = readEnvironmentOptions(raw); // a bad option fails this file, with the option named
    // jest-environment-node copies every option onto the test's global: ours stay off it.
    super({ ...config, projectConfig: { ...config.projectConfig, testEnvironmentOptions: others } }, context);
    this.settings = settings;
    this.docblockOptions = docblockOptionsOf(context.docblockPragmas);
    this.figures = new TestFigures(() => this.settings.retained, this.sampling, (warning) => this.warnings.push(warning));
    this.baselines = new BaselineTracking(context.testPath, (config.globalConfig.updateSnapshot ?? 'new') as UpdateMode, () => this.settings);
    this.handlers = [this.followSampling, this.followFigures, this.followBaselines];
    // ArrayBuffers swept within GCs from now on, long before the first test: exact external figures
    makeExternalAccountingExact();
    // before the test file's code runs: its figures must not hang on the tests before it
    makeAllocationsRepeatable();
    const bridge: EnvironmentBridge = {
      pause: () => (this.stopped ? -1 : this.guarded('pause', () => this.figures.pause()) ?? -1),
      resume: (token) => {
        if (!this.stopped) this.guarded('resume', () => this.figures.resume(token));
      },
      get core() {
        return (require('../runtime/matcher-core') as typeof import('../runtime/matcher-core')).matcherCore;
      },
      baselines: () => this.baselines.store,
      rootDir: config.projectConfig.rootDir,
      deadline: () => this.figures.deadline(),
      recordMatcher: (testName, figure) => this.figures.recordMatcher(testName, figure),
      baselineSettings: () => ({ tolerance: this.settings.baselines.tolerance, failOnImprovement: this.settings.baselines.failOnImprovement }),
    };
    Object.defineProperty(this.global, ENVIRONMENT_BRIDGE, { value: bridge, configurable: true });
    // The tracer (the test's realm) and the matchers' measure() (this realm) take V8's one sampling
    // profiler in turn with the file's session. One file runs at a time per worker.
    this.unshareSampler = shareSampler([this.global, globalThis], this.sampling);
  }

  /**
   * The project's own options, merged per key with a `@jest-environment-options` docblock's:
   * Jest replaces the config's `tracemalloc` options with the docblock's whole, and only the runner
   * (jest-tracemalloc/runner, which the preset sets) sees the config as written.
   */
  useProjectConfig(projectConfig: { testEnvironmentOptions?: Record<string, unknown> }): void {
    if (this.docblockOptions === undefined) return;
    this.settings = readEnvironmentOptions(mergeOptions(projectConfig.testEnvironmentOptions?.[OPTIONS_KEY], this.docblockOptions));
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void {
    for (const handler of this.handlers) {
      if (this.stopped) return;
      this.guarded(event.name, () => handler(event, state));
    }
  }

  private readonly followSampling: Handler = (event) => {
    if (event.name === 'run_start') this.sampling.start(this.settings);
    else if (event.name === 'run_finish') this.sampling.finish(this.settings.sites?.top ?? 0);
  };

  private readonly followFigures: Handler = (event, state) => {
    if (event.name === 'test_fn_start') this.figures.start(event.test, state);
    else if (event.name === 'test_fn_success' || event.name === 'test_fn_failure') this.figures.finish(event.test);
  };

  private readonly followBaselines: Handler = (event) => {
    switch (event.name) {
      case 'test_fn_success': {
        const finished = this.figures.finished(event.test);
        if (finished) this.baselines.passed(event.test, finished);
        break;
      }
      case 'test_retry':
        this.baselines.retry(event.test); // jest.retryTimes: the failed attempt's baselines are undone
        break;
      case 'test_skip':
      case 'test_todo':
        this.baselines.skipped(event.test);
        break;
      case 'test_done':
        this.baselines.done(event.test);
        break;
      case 'run_finish':
        this.baselines.runFinished();
        break;
      default:
    }
  };

  /** The figures are lost, the tests are not: after an internal error, stop measuring this file and say why. */
  private guarded<T>(where: string, work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      this.stopped = true;
      this.warnings.push(`stopped measuring after an internal error at ${where}: ${(error as Error).stack ?? String(error)}`);
      this.release();
      return undefined;
    }
  }

  /** Stops whatever still runs: open windows' GC profilers, the file's sampling session. */
  private release(): void {
    this.figures.stop();
    this.sampling.finish(0);
  }

  override async teardown(): Promise<void> {
    const baselines = this.baselines.finish(); // without jest-tracemalloc/runner nobody asked for the results
    this.release();
    this.unshareSampler();
    await super.teardown();
    // baselines that could not be saved fail the file, as snapshots Jest cannot write do (the runner says it on the result)
    if (baselines?.failure && !this.resultsTaken) throw new Error(`jest-tracemalloc: ${baselines.failure}`);
  }

  /**
   * This file's figures, read by jest-tracemalloc/runner once the tests have run, with Jest's
   * source maps of the files it transformed.
   */
  tracemallocResults(context: { sourceMaps?: ReadonlyMap<string, string> } = {}): FileMemory {
    this.sampling.finish(this.settings.sites?.top ?? 0); // done already, unless run_finish did not come
    const sites = this.settings.sites ? this.sampling.resolvedSites(context.sourceMaps) : null;
    const tests = this.figures.tests(sites);
    const baselines = this.baselines.finish();
    this.resultsTaken = true;
    const memory: FileMemory = { version: FILE_MEMORY_VERSION, tests, warnings: [...this.warnings, ...this.sampling.warnings] };
    if (baselines) memory.baselines = baselines;
    if (this.settings.sites) memory.samplingInterval = this.settings.sites.samplingInterval;
    return memory;
  }
}
