import type { BackgroundSampling } from '../../v8/sampler-lease';
import { BufferBounding } from './buffer-bounding';
import type { EnvironmentSettings } from './options';
import type { RawSite, SiteSampler } from './site-sampler';
import type { TestSite } from './test-memory';

/**
 * The file's background session of V8's sampling heap profiler, as the options ask: per-test sites
 * (one session per file, tests marked in it), or, for `baselines.everyTest`, allocation buffers cut
 * small. It pauses while the tracer or a matcher holds the profiler (sampler-lease.ts).
 */
export class FileSampling implements BackgroundSampling {
  private sites: SiteSampler | null = null;
  private bounding: BufferBounding | null = null;
  private rawSites: Map<number, RawSite[]> | null = null;
  /** The profiler is lent out (the tracer can start at a test file's top level, before run_start). */
  private paused = false;
  /** Problems that cost figures, not tests. */
  readonly warnings: string[] = [];

  /** Starts what the settings ask for (at run_start: the settings are final by then). */
  start(settings: EnvironmentSettings): void {
    const { sites, hideFrames, baselines } = settings;
    try {
      if (sites) {
        // loaded only when asked for, as the matchers' code: a worker that needs neither never pays for them
        const { SiteSampler: Sampler } = require('./site-sampler') as typeof import('./site-sampler');
        this.sites = new Sampler(sites.samplingInterval, (filename) => hideFrames.some((p) => p.test(filename)));
        if (this.paused) this.sites.pause();
        this.sites.start();
      } else if (baselines.everyTest) {
        // (the sites' own session cuts the buffers at its interval)
        this.bounding = new BufferBounding();
        if (this.paused) this.bounding.pause();
        this.bounding.start();
      }
    } catch (error) {
      const why = `the sampling heap profiler could not start (${(error as Error).message})`;
      if (sites) this.warnings.push(`no allocation sites for this file: ${why}`);
      else this.warnings.push(`per-test figures may be off by up to 256 KiB: ${why} to bound V8's allocation buffers`);
      this.sites = null;
      this.bounding = null;
    }
  }

  /** A test body starts (`opens`) or ends, or pauses for a matcher: its samples are its own. */
  mark(key: number, opens: boolean): void {
    this.sites?.mark(key, opens);
  }

  pause(): void {
    this.paused = true;
    this.sites?.pause();
    this.bounding?.pause();
  }

  resume(): void {
    this.paused = false;
    this.sites?.resume();
    this.bounding?.resume();
  }

  /** Stops the sessions, keeping the top `top` sites of each test. */
  finish(top: number): void {
    const sites = this.sites;
    this.sites = null;
    if (sites) {
      try {
        this.rawSites = sites.finish(top);
      } catch (error) {
        this.warnings.push(`no allocation sites for this file: ${(error as Error).message}`);
      } finally {
        this.warnings.push(...sites.problems);
      }
    }
    const bounding = this.bounding;
    this.bounding = null;
    if (!bounding) return;
    try {
      bounding.finish();
    } catch {
      // the session is gone either way
    }
    for (const problem of bounding.problems) this.warnings.push(`per-test figures may be off by up to 256 KiB: ${problem}`);
  }

  /** Each test's sites, at their original source positions (Jest's maps of the files it transformed). */
  resolvedSites(sourceMaps: ReadonlyMap<string, string> | undefined): Map<number, TestSite[]> | null {
    const raw = this.rawSites;
    this.rawSites = null;
    if (!raw) return null;
    try {
      const { resolveSites } = require('./site-sampler') as typeof import('./site-sampler');
      return resolveSites(raw, sourceMaps);
    } catch (error) {
      this.warnings.push(`no allocation sites for this file: ${(error as Error).message}`);
      return null;
    }
  }
}
