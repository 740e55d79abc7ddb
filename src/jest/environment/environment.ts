import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import type NodeEnvironmentClass from 'jest-environment-node';
import { SAMPLER_LENDER, type SamplerLender } from '../../core/sampler-owner';
import { makeExternalAccountingExact } from '../../core/force-gc';
import { makeAllocationsRepeatable } from '../../core/repeatable-allocations';
import { ENVIRONMENT_BRIDGE, type EnvironmentBridge } from '../bridge';
import { requireFromJest } from '../jest-modules';
import { OPTIONS_KEY, readEnvironmentOptions, type EnvironmentSettings } from './options';
import type { RawSite, SiteSampler } from './site-sampler';
import { BufferBounding } from './buffer-bounding';
import type { FileMemory, TestMemory } from './test-memory';
import { TestWindow } from './test-window';
import { BaselineStore, type UpdateMode } from '../baselines/baseline-store';
import { describeTolerance } from '../baselines/tolerance';
import { formatSize } from '../../core/units';

const NodeEnvironment = requireFromJest<{ TestEnvironment: typeof NodeEnvironmentClass }>('jest-environment-node').TestEnvironment;

interface OpenTest {
  key: number;
  window: TestWindow;
  /** A memory matcher ran in it: its whole-test figure is mostly the matcher's leftovers. */
  measuredByMatcher: boolean;
}

/** Describe titles and the test title joined with spaces: Jest's `fullName`. */
export function fullTestName(test: Circus.TestEntry): string {
  const titles: string[] = [];
  for (let block: Circus.TestEntry | Circus.DescribeBlock | undefined = test; block?.parent; block = block.parent) titles.unshift(block.name);
  return titles.join(' ');
}

/**
 * `testEnvironment: 'jest-tracemalloc/environment'`: Jest's node environment, measuring what each
 * test body allocates (from `test_fn_start` to its end, hooks excluded).
 */
export default class TracemallocEnvironment extends NodeEnvironment {
  private readonly settings: EnvironmentSettings;
  private readonly open = new Map<Circus.TestEntry, OpenTest>();
  private readonly records = new Map<Circus.TestEntry, TestMemory & { key: number }>();
  private readonly warnings: string[] = [];
  private sampler: SiteSampler | null = null;
  /** everyTest without sites: allocation buffers cut small, for repeatable per-test figures. */
  private bounding: BufferBounding | null = null;
  private rawSites: Map<number, RawSite[]> | null = null;
  private pauses = 0;
  /** Pauses of an earlier generation (a matcher that never settled) are not waited for. */
  private generation = 0;
  private nextKey = 0;
  private stopped = false;
  private samplerLent = false;
  /**
   * V8 has one sampling profiler: the tracer and the matchers, in either realm, borrow it here one
   * at a time (each realm has its own copy of the tracer, so only this object can say it is taken).
   */
  private readonly lender: SamplerLender = {
    lend: () => {
      if (this.samplerLent) throw new Error("V8's sampling heap profiler is in use (by the tracer or a matcher's sites) in this test");
      this.samplerLent = true;
      this.sampler?.lend();
      this.bounding?.lend();
    },
    takeBack: () => {
      if (!this.samplerLent) return;
      this.samplerLent = false;
      this.sampler?.takeBack();
      this.bounding?.takeBack();
    },
  };
  private readonly baselines: BaselineStore;
  /** Tests whose whole-test baseline failed: the error is added when the test is done. */
  private readonly baselineFailures = new Map<Circus.TestEntry, string>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    const { [OPTIONS_KEY]: raw, ...others } = config.projectConfig.testEnvironmentOptions ?? {};
    const settings = readEnvironmentOptions(raw); // a bad option fails this file, with the option named
    // jest-environment-node copies every option onto the test's global: ours stay off it.
    super({ ...config, projectConfig: { ...config.projectConfig, testEnvironmentOptions: others } }, context);
    this.settings = settings;
    this.baselines = new BaselineStore(context.testPath, (config.globalConfig.updateSnapshot ?? 'new') as UpdateMode);
    // ArrayBuffers swept within GCs from now on, long before the first test: exact external figures
    makeExternalAccountingExact();
    // before the test file's code runs: its figures must not hang on the tests before it
    makeAllocationsRepeatable();
    if (settings.sites) {
      const patterns = settings.hideFrames;
      // loaded only when asked for, as the matchers' code: a worker that needs neither never pays for them
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SiteSampler: Sampler } = require('./site-sampler') as typeof import('./site-sampler');
      this.sampler = new Sampler(settings.sites.samplingInterval, (filename) => patterns.some((p) => p.test(filename)));
    } else if (settings.baselines.everyTest) {
      // (the sites' own session cuts the buffers at its interval)
      this.bounding = new BufferBounding();
    }
    const bridge: EnvironmentBridge = {
      pause: () => this.pause(),
      resume: (token) => this.resume(token),
      get core() {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require('../matcher-core') as typeof import('../matcher-core')).matcherCore;
      },
      baselines: () => this.baselines,
      baselineSettings: () => ({ tolerance: settings.baselines.tolerance, failOnImprovement: settings.baselines.failOnImprovement }),
    };
    Object.defineProperty(this.global, ENVIRONMENT_BRIDGE, { value: bridge, configurable: true });
    // The profiler is lent to the test's realm (the user's tracer) and to this one (the matchers'
    // measure(), shared through the bridge). One file runs at a time per worker.
    for (const realm of [this.global, globalThis]) Object.defineProperty(realm, SAMPLER_LENDER, { value: this.lender, configurable: true });
  }

  override async teardown(): Promise<void> {
    this.finishBaselines(); // without jest-tracemalloc/runner nobody asked for the results
    this.release();
    const globals = globalThis as { [SAMPLER_LENDER]?: SamplerLender };
    if (globals[SAMPLER_LENDER] === this.lender) delete globals[SAMPLER_LENDER];
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event): void {
    if (this.stopped) return;
    this.guarded(event.name, () => this.follow(event));
  }

  /** The figures are lost, the tests are not: after an internal error, stop measuring this file and say why. */
  private guarded(where: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.stopped = true;
      this.warnings.push(`stopped measuring after an internal error at ${where}: ${(error as Error).stack ?? String(error)}`);
      this.release();
    }
  }

  /** Stops whatever still runs: open windows' GC profilers, the sites session. */
  private release(): void {
    for (const { window } of this.open.values()) {
      try {
        window.pause();
      } catch {
        // already reported
      }
    }
    this.open.clear();
    this.finishBounding();
    if (this.sampler) {
      try {
        this.sampler.finish(0);
      } catch {
        // the session is gone either way
      }
      this.sampler = null;
    }
  }

  private follow(event: Circus.Event): void {
    switch (event.name) {
      case 'run_start':
        this.startSampler();
        this.startBounding();
        break;
      case 'test_fn_start': {
        if (this.pauses > 0 && this.open.size === 0) {
          // a matcher of an earlier test never settled (it timed out, or was not awaited)
          this.warnings.push(`a memory matcher of an earlier test never finished; "${fullTestName(event.test)}" and later tests are measured regardless`);
          this.pauses = 0;
          this.generation++;
        }
        const key = this.nextKey++;
        const window = new TestWindow(this.settings.retained);
        this.open.set(event.test, { key, window, measuredByMatcher: false });
        if (this.pauses === 0) {
          this.sampler?.mark(key, true);
          window.resume();
        }
        break;
      }
      case 'test_fn_success':
      case 'test_fn_failure': {
        const open = this.open.get(event.test);
        if (!open) break;
        this.open.delete(event.test);
        const figures = open.window.finish();
        if (this.pauses === 0) this.sampler?.mark(open.key, false); // paused: already closed
        const record: TestMemory & { key: number } = {
          key: open.key,
          name: fullTestName(event.test),
          allocated: figures.allocated.heap + figures.allocated.external,
          heap: figures.allocated.heap,
          external: figures.allocated.external,
          peak: figures.peak,
          attempts: (this.records.get(event.test)?.attempts ?? 0) + 1,
        };
        if (figures.retained) {
          record.retained = figures.retained.heap + figures.retained.external;
          record.retainedHeap = figures.retained.heap;
          record.retainedExternal = figures.retained.external;
        }
        if (event.test.concurrent) record.concurrent = true;
        this.records.set(event.test, record);
        // A test with memory matchers has its assertions; what is left of its figure around them is
        // V8 finishing the matcher's compilations at random times (+100 to +560 KiB from run to run).
        if (this.settings.baselines.everyTest && event.name === 'test_fn_success' && !open.measuredByMatcher) this.checkWholeTest(event.test, record);
        break;
      }
      case 'test_skip':
      case 'test_todo':
        this.baselines.keep(fullTestName(event.test)); // filtered out (-t) or skipped: its baselines stay
        break;
      case 'test_done': {
        const failure = this.baselineFailures.get(event.test);
        this.baselineFailures.delete(event.test);
        if (failure && event.test.errors.length === 0) event.test.errors.push(new Error(failure));
        else if (event.test.errors.length > 0) this.baselines.keep(fullTestName(event.test)); // failed early: keep what it did not reach
        break;
      }
      case 'run_finish':
        this.finishSites();
        this.finishBounding();
        break;
      default:
    }
  }

  /** `baselines.everyTest`: the test's own figure against its baseline. */
  private checkWholeTest(test: Circus.TestEntry, record: TestMemory): void {
    const key = `${record.name} [whole test]`;
    const now = { allocated: record.allocated, heap: record.heap, external: record.external, ...(record.retained !== undefined ? { retained: record.retained } : {}) };
    const { wholeTestTolerance: tolerance, failOnImprovement } = this.settings.baselines;
    const check = this.baselines.check(key, now, tolerance, failOnImprovement);
    this.baselineFailures.delete(test);
    if (check.status !== 'failed') return;
    const base = check.baseline;
    this.baselineFailures.set(
      test,
      check.problem ??
        `Allocation baseline ${JSON.stringify(key)} in ${check.file}\n` +
          `Baseline: ${formatSize(base?.allocated ?? 0)}\nNow:      ${formatSize(now.allocated)}\n` +
          `Change:   ${formatSize(now.allocated - (base?.allocated ?? 0), true)}; tolerance ${describeTolerance(tolerance)}\n\n` +
          'If the change is intended, run `jest -u` to accept the new figure.',
    );
  }

  private baselineSummary: ReturnType<BaselineStore['finish']> | undefined;

  private finishBaselines(): ReturnType<BaselineStore['finish']> {
    if (this.baselineSummary === undefined) {
      try {
        this.baselineSummary = this.baselines.finish();
      } catch (error) {
        this.warnings.push(`allocation baselines not written: ${(error as Error).message}`);
        this.baselineSummary = null;
      }
    }
    return this.baselineSummary;
  }

  private startSampler(): void {
    try {
      this.sampler?.start();
    } catch (error) {
      this.sampler = null;
      this.warnings.push(`no allocation sites for this file: the sampling heap profiler could not start (${(error as Error).message})`);
    }
  }

  private startBounding(): void {
    try {
      this.bounding?.start();
    } catch (error) {
      this.bounding = null;
      this.warnings.push(`per-test figures may be off by up to 256 KiB: the sampling heap profiler could not start to bound V8's allocation buffers (${(error as Error).message})`);
    }
  }

  private finishBounding(): void {
    const bounding = this.bounding;
    if (!bounding) return;
    this.bounding = null;
    try {
      bounding.finish();
    } catch {
      // the session is gone either way
    }
    for (const problem of bounding.problems) this.warnings.push(`per-test figures may be off by up to 256 KiB: ${problem}`);
  }

  private samplerProblems: string[] = [];

  private finishSites(): void {
    if (!this.sampler || !this.settings.sites) return;
    const sampler = this.sampler;
    this.sampler = null;
    this.samplerProblems.push(...sampler.problems);
    this.rawSites = sampler.finish(this.settings.sites.top);
  }

  /** A matcher measures: what it runs is not the test's. */
  /** A matcher measures: what it runs is not the test's. Returns the token `resume()` takes. */
  private pause(): number {
    for (const open of this.open.values()) open.measuredByMatcher = true;
    if (this.stopped || this.pauses++ > 0) return this.generation;
    this.guarded('pause', () => {
      // windows first, then the marks: a mark's allocation is no open window's
      for (const { window } of this.open.values()) window.pause();
      for (const { key } of this.open.values()) this.sampler?.mark(key, false);
    });
    return this.generation;
  }

  private resume(token: number): void {
    if (this.stopped || token !== this.generation || this.pauses === 0 || --this.pauses > 0) return;
    this.guarded('resume', () => {
      for (const { key } of this.open.values()) this.sampler?.mark(key, true);
      for (const { window } of this.open.values()) window.resume();
    });
  }

  /**
   * This file's figures, read by jest-tracemalloc/runner once the tests have run, with Jest's
   * source maps of the files it transformed.
   */
  tracemallocResults(context: { sourceMaps?: ReadonlyMap<string, string> } = {}): FileMemory {
    if (this.sampler) this.finishSites(); // run_finish did not come (the run was interrupted)
    for (const problem of this.samplerProblems.splice(0)) this.warnings.push(problem);
    if (this.rawSites) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { resolveSites } = require('./site-sampler') as typeof import('./site-sampler');
        const sites = resolveSites(this.rawSites, context.sourceMaps);
        for (const record of this.records.values()) record.sites = sites.get(record.key) ?? [];
      } catch (error) {
        this.warnings.push(`no allocation sites for this file: ${(error as Error).message}`);
      }
      this.rawSites = null;
    }
    const tests = [...this.records.values()].map(({ key: _key, ...record }) => record);
    const baselines = this.finishBaselines();
    const memory: FileMemory = { version: 1, tests, warnings: [...this.warnings] };
    if (baselines) memory.baselines = baselines;
    if (this.settings.sites) memory.samplingInterval = this.settings.sites.samplingInterval;
    return memory;
  }
}
