import { relative, sep } from 'node:path';
import { baselinePathFor, BaselineFileError, readBaselines, writeBaselines, type BaselineData, type BaselineEntry } from './baseline-file';
import { judge, type Tolerance } from './tolerance';

/** Jest's `globalConfig.updateSnapshot`: `-u` is 'all', `--ci` is 'none', otherwise 'new'. */
export type UpdateMode = 'all' | 'new' | 'none';

export type CheckStatus = 'written' | 'updated' | 'matched' | 'improved' | 'failed';

export interface BaselineCheck {
  key: string;
  status: CheckStatus;
  baseline?: BaselineEntry;
  /** Why it failed, when the figures are not the reason (no baseline under --ci, another Node, a bad file). */
  problem?: string;
  file: string;
}

export interface BaselineSummary {
  /** The baseline file, relative to the rootDir's view of the test file: absolute here. */
  file: string;
  written: number;
  updated: number;
  matched: number;
  improved: number;
  failed: number;
  /** Entries of tests that no longer exist (removed by `-u`). */
  obsolete: string[];
  /** Tests that allocated more than their baseline: key, baseline and now. */
  regressions: { key: string; baseline: number; now: number }[];
  /** The file could not be read (it was left as it is). */
  error?: string;
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * The allocation baselines of one test file for one run, with Jest's snapshot semantics: new
 * entries are written on a normal run, never under `--ci`; `-u` rewrites what ran and drops what no
 * longer exists; a filtered run (`-t`, skipped tests) leaves the other entries alone. The file is
 * written once, at the end of the file's run, and never when nothing changed.
 */
export class BaselineStore {
  readonly file: string;
  private loaded = false;
  private data: BaselineData = { node: NODE_MAJOR, entries: {} };
  private loadError: BaselineFileError | null = null;
  private readonly counters = new Map<string, number>();
  private readonly checked = new Set<string>();
  /** Tests whose entries stay as they are: skipped, filtered out, or failed before their check. */
  private readonly keptTests = new Set<string>();
  private readonly summary: Omit<BaselineSummary, 'obsolete' | 'file'> = { written: 0, updated: 0, matched: 0, improved: 0, failed: 0, regressions: [] };
  private dirty = false;
  private saved = false;

  constructor(
    testPath: string,
    private readonly mode: UpdateMode,
  ) {
    this.file = baselinePathFor(testPath);
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const found = readBaselines(this.file);
      if (found) this.data = found;
    } catch (error) {
      if (!(error instanceof BaselineFileError)) throw error;
      this.loadError = error;
      if (this.mode === 'all') this.dirty = true; // -u rewrites a broken file from scratch
    }
  }

  /** The key of the next check in a test: its full name and a counter, as Jest's snapshots. */
  nextKey(testName: string): string {
    const count = (this.counters.get(testName) ?? 0) + 1;
    this.counters.set(testName, count);
    return `${testName} ${count}`;
  }

  /** A test that was skipped, filtered out or failed early: its entries are not obsolete. */
  keep(testName: string): void {
    this.keptTests.add(testName);
  }

  check(key: string, now: BaselineEntry, tolerance: Tolerance, failOnImprovement: boolean): BaselineCheck {
    this.load();
    this.checked.add(key);
    const where = { key, file: this.file };
    if (this.loadError && this.mode !== 'all') return this.count({ ...where, status: 'failed', problem: this.loadError.message });
    if (!this.loadError && this.data.node !== NODE_MAJOR && this.mode !== 'all') {
      return this.count({
        ...where,
        status: 'failed',
        problem: `the baselines in ${this.file} were taken on Node ${this.data.node}; this is Node ${NODE_MAJOR}, whose V8 allocates differently. Run \`jest -u\` on Node ${NODE_MAJOR} to take them again.`,
      });
    }
    if (this.mode === 'all' && (this.loadError || this.data.node !== NODE_MAJOR)) {
      // -u on another Node (or over a broken file): the figures are taken again
      this.data = { node: NODE_MAJOR, entries: {} };
      this.loadError = null;
      this.dirty = true;
    }
    const baseline = this.data.entries[key];
    if (!baseline) {
      if (this.mode === 'none') {
        return this.count({ ...where, status: 'failed', problem: `no allocation baseline for ${JSON.stringify(key)} in ${this.file}, and --ci does not write baselines: run jest without --ci to write it, and commit it` });
      }
      this.put(key, now);
      return this.count({ ...where, status: 'written' });
    }
    const verdict = judge(baseline.allocated, now.allocated, tolerance);
    const retainedVerdict = baseline.retained !== undefined && now.retained !== undefined ? judge(baseline.retained, now.retained, tolerance) : 'same';
    const worse = verdict === 'worse' || retainedVerdict === 'worse';
    const better = !worse && (verdict === 'better' || retainedVerdict === 'better');
    if (this.mode === 'all' && (worse || better || !sameShape(baseline, now))) {
      this.put(key, now);
      return this.count({ ...where, status: 'updated', baseline });
    }
    if (worse) {
      this.summary.regressions.push({ key, baseline: baseline.allocated, now: now.allocated });
      return this.count({ ...where, status: 'failed', baseline });
    }
    if (better) return this.count({ ...where, status: failOnImprovement ? 'failed' : 'improved', baseline });
    return this.count({ ...where, status: 'matched', baseline });
  }

  /** The top allocating functions of a baseline just written or updated. */
  attachSites(key: string, sites: BaselineEntry['sites']): void {
    const entry = this.data.entries[key];
    if (entry && this.dirty && !this.saved) entry.sites = sites;
  }

  private put(key: string, entry: BaselineEntry): void {
    this.data.entries[key] = entry;
    this.dirty = true;
  }

  private count(check: BaselineCheck): BaselineCheck {
    this.summary[check.status]++;
    return check;
  }

  /** Entries no test of this run accounts for. */
  private obsolete(): string[] {
    return Object.keys(this.data.entries).filter((key) => {
      if (this.checked.has(key)) return false;
      for (const test of this.keptTests) if (key.startsWith(`${test} `)) return false;
      return true;
    });
  }

  /**
   * Ends the file's run: writes the file if it changed (with `-u`, without its obsolete entries)
   * and says what happened. Safe to call twice.
   */
  finish(): BaselineSummary | null {
    this.load();
    if (this.loadError && this.mode !== 'all') return { file: this.file, ...this.summary, obsolete: [], error: this.loadError.message };
    const obsolete = this.obsolete();
    if (!this.saved) {
      this.saved = true;
      if (this.mode === 'all' && obsolete.length > 0) {
        for (const key of obsolete) delete this.data.entries[key];
        this.dirty = true;
      }
      if (this.dirty && this.mode !== 'none') writeBaselines(this.file, this.data);
    }
    const nothing = this.checked.size === 0 && obsolete.length === 0 && !this.dirty;
    return nothing ? null : { file: this.file, ...this.summary, obsolete: this.mode === 'all' ? [] : obsolete };
  }
}

const sameShape = (a: BaselineEntry, b: BaselineEntry): boolean => (a.retained === undefined) === (b.retained === undefined);

/** A site's file as the baseline stores it: relative to the test file's folder. */
export function siteFile(file: string, testDir: string): string {
  return file.startsWith(testDir + sep) ? relative(testDir, file).split(sep).join('/') : file;
}
