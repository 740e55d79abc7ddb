import { readFileSync, rmSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { baselinePathFor, BaselineFileError, readBaselines, serializeBaselines, writeBaselines, type BaselineData, type BaselineEntry } from './baseline-file';
import { judge, type Tolerance, type Verdict } from './tolerance';

/** Jest's `globalConfig.updateSnapshot`: `-u` is 'all', `--ci` is 'none', otherwise 'new'. */
export type UpdateMode = 'all' | 'new' | 'none';

export type CheckStatus = 'written' | 'updated' | 'matched' | 'improved' | 'failed';

export interface BaselineCheck {
  key: string;
  status: CheckStatus;
  /** How each compared figure stands against its baseline (when there was one to compare). */
  verdicts?: { allocated: Verdict; retained?: Verdict };
  baseline?: BaselineEntry;
  /** Why it failed, when the figures are not the reason (no baseline under --ci, another Node, a bad file). */
  problem?: string;
  file: string;
}

export interface BaselineSummary {
  /** The baseline file: absolute here, relative to the rootDir in the report. */
  file: string;
  written: number;
  updated: number;
  matched: number;
  improved: number;
  failed: number;
  /** Entries of tests that no longer exist: kept, and a failure of the run, unless `-u` removes them. */
  obsolete: string[];
  /** Obsolete entries `-u` removed. */
  removed: number;
  /** Tests that allocated more than their baseline: key, baseline and now. */
  regressions: { key: string; figure: 'allocated' | 'retained'; baseline: number; now: number }[];
  /** The file could not be read: the checks against it failed, and it was left as it is. */
  error?: string;
  /** The file's baselines could not be saved (a write failed, a rewrite would have lost entries): the file's run fails. */
  failure?: string;
}

/** What one attempt of a test did to the store: undone when Jest retries the test (`jest.retryTimes`). */
interface Attempt {
  /** The test's key counter before the attempt. */
  counter: number | undefined;
  /** Entries the attempt wrote, as they were before it. */
  replaced: Map<string, BaselineEntry | undefined>;
  checks: BaselineCheck[];
  regressions: BaselineSummary['regressions'];
  /** The attempt failed (or was skipped): its entries stay as they are. */
  kept: boolean;
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** The key of a test's own figure (baselines.everyTest): `<full test name> [whole test]`. */
export const WHOLE_TEST = ' [whole test]';
const STATUSES: readonly CheckStatus[] = ['written', 'updated', 'matched', 'improved', 'failed'];

/** The test of a key: its name without the counter (`nextKey`) or without WHOLE_TEST. */
const testOf = (key: string): string => (key.endsWith(WHOLE_TEST) ? key.slice(0, -WHOLE_TEST.length) : key.slice(0, key.lastIndexOf(' ')));

/**
 * The allocation baselines of one test file for one run, with Jest's snapshot semantics: new
 * entries are written on a normal run, never under `--ci`; `-u` rewrites what ran and drops what no
 * longer exists; a filtered run (`-t`, skipped tests) leaves the other entries alone; a retried test
 * keeps what its last attempt did. The file is written once, at the end of the file's run, and only
 * when its text changed. A file that cannot be read is never replaced by part of its entries.
 */
export class BaselineStore {
  readonly file: string;
  private loaded = false;
  private data: BaselineData = { node: NODE_MAJOR, entries: {} };
  private loadError: BaselineFileError | null = null;
  /** Under `-u`: why the file as read cannot be kept (unreadable, another Node major), so the run takes every figure anew. */
  private retaking: string | null = null;
  private readonly counters = new Map<string, number>();
  private readonly attempts = new Map<string, Attempt>();
  private summary: BaselineSummary | null | undefined;

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
    }
  }

  private attempt(testName: string): Attempt {
    let attempt = this.attempts.get(testName);
    if (!attempt) {
      attempt = { counter: this.counters.get(testName), replaced: new Map(), checks: [], regressions: [], kept: false };
      this.attempts.set(testName, attempt);
    }
    return attempt;
  }

  /** The key of the next check in a test: its full name and a counter, as Jest's snapshots. */
  nextKey(testName: string): string {
    this.attempt(testName);
    const count = (this.counters.get(testName) ?? 0) + 1;
    this.counters.set(testName, count);
    return `${testName} ${count}`;
  }

  /** A test that was skipped, filtered out or failed early: its entries are not obsolete. */
  keep(testName: string): void {
    this.attempt(testName).kept = true;
  }

  /** A test ran: its whole-test entry is not obsolete, checked or not (everyTest may be off in this run). */
  ran(testName: string): void {
    this.attempt(testName);
  }

  /** Jest retries the test: what its failed attempt wrote, checked and counted is undone. */
  retry(testName: string): void {
    const attempt = this.attempts.get(testName);
    if (!attempt) return;
    this.attempts.delete(testName);
    for (const [key, previous] of attempt.replaced) {
      if (previous === undefined) delete this.data.entries[key];
      else this.data.entries[key] = previous;
    }
    if (attempt.counter === undefined) this.counters.delete(testName);
    else this.counters.set(testName, attempt.counter);
  }

  check(key: string, now: BaselineEntry, tolerance: Tolerance, failOnImprovement: boolean): BaselineCheck {
    this.load();
    const attempt = this.attempt(testOf(key));
    const result = this.judge(key, now, tolerance, failOnImprovement, attempt);
    attempt.checks.push(result);
    return result;
  }

  private judge(key: string, now: BaselineEntry, tolerance: Tolerance, failOnImprovement: boolean, attempt: Attempt): BaselineCheck {
    let where: Pick<BaselineCheck, 'key' | 'file' | 'verdicts'> = { key, file: this.file };
    if (this.loadError && this.mode !== 'all') return { ...where, status: 'failed', problem: this.loadError.message };
    if (!this.loadError && this.data.node !== NODE_MAJOR && this.mode !== 'all') {
      return {
        ...where,
        status: 'failed',
        problem: `the baselines in ${this.file} were taken on Node ${this.data.node}; this is Node ${NODE_MAJOR}, whose V8 allocates differently. Run \`jest -u\` on Node ${NODE_MAJOR} to take them again.`,
      };
    }
    if (this.mode === 'all' && !this.retaking && (this.loadError || this.data.node !== NODE_MAJOR)) {
      // -u over a broken file, or on another Node: every figure is taken again (saved only if every test ran)
      this.retaking = this.loadError ? 'it could not be read' : `its figures were taken on Node ${this.data.node}`;
      this.data = { node: NODE_MAJOR, entries: {} };
    }
    const baseline = this.data.entries[key];
    if (!baseline) {
      if (this.mode === 'none') {
        return { ...where, status: 'failed', problem: `no allocation baseline for ${JSON.stringify(key)} in ${this.file}, and --ci does not write baselines: run jest without --ci to write it, and commit it` };
      }
      this.put(key, now, attempt);
      return { ...where, status: 'written' };
    }
    const verdict = judge(baseline.allocated, now.allocated, tolerance);
    const retainedVerdict = baseline.retained !== undefined && now.retained !== undefined ? judge(baseline.retained, now.retained, tolerance) : 'same';
    const verdicts = { allocated: verdict, ...(baseline.retained !== undefined && now.retained !== undefined ? { retained: retainedVerdict } : {}) };
    where = { ...where, verdicts };
    const worse = verdict === 'worse' || retainedVerdict === 'worse';
    const better = !worse && (verdict === 'better' || retainedVerdict === 'better');
    if (this.mode === 'all' && (worse || better || !sameShape(baseline, now))) {
      this.put(key, now, attempt);
      return { ...where, status: 'updated', baseline };
    }
    if (worse) {
      const figure = verdict === 'worse' ? 'allocated' : 'retained';
      attempt.regressions.push({ key, figure, baseline: baseline[figure] as number, now: now[figure] as number });
      return { ...where, status: 'failed', baseline };
    }
    if (better) return { ...where, status: failOnImprovement ? 'failed' : 'improved', baseline };
    return { ...where, status: 'matched', baseline };
  }

  /** The top allocating functions of a baseline just written or updated. */
  attachSites(key: string, sites: BaselineEntry['sites']): void {
    const entry = this.data.entries[key];
    if (entry && this.attempts.get(testOf(key))?.replaced.has(key) && this.summary === undefined) entry.sites = sites;
  }

  private put(key: string, entry: BaselineEntry, attempt: Attempt): void {
    if (!attempt.replaced.has(key)) attempt.replaced.set(key, this.data.entries[key]);
    this.data.entries[key] = entry;
  }

  /** Entries no test of this run accounts for. */
  private obsolete(): string[] {
    const checked = new Set([...this.attempts.values()].flatMap((a) => a.checks.map((c) => c.key)));
    const ofAKeptTest = (key: string): boolean => this.attempts.get(testOf(key))?.kept === true;
    const ofATestThatRan = (key: string): boolean => key.endsWith(WHOLE_TEST) && this.attempts.has(testOf(key));
    return Object.keys(this.data.entries).filter((key) => !checked.has(key) && !ofATestThatRan(key) && !ofAKeptTest(key));
  }

  /**
   * Ends the file's run and says what happened; saves the file if its text changed (with `-u`,
   * without its obsolete entries). `complete` is false when the file's tests did not all get their
   * turn (it failed to load, the run was cut short): then nothing counts as obsolete and nothing is
   * removed. Safe to call twice.
   */
  finish(complete = true): BaselineSummary | null {
    if (this.summary !== undefined) return this.summary;
    this.load();
    const attempts = [...this.attempts.values()];
    const checks = attempts.flatMap((a) => a.checks);
    const counts = Object.fromEntries(STATUSES.map((status) => [status, checks.filter((c) => c.status === status).length])) as Record<CheckStatus, number>;
    const summary: BaselineSummary = { file: this.file, ...counts, obsolete: [], removed: 0, regressions: attempts.flatMap((a) => a.regressions) };
    if (this.loadError && this.mode !== 'all') {
      this.summary = { ...summary, error: this.loadError.message };
      return this.summary;
    }
    const obsolete = complete ? this.obsolete() : [];
    if (this.mode === 'all') {
      for (const key of obsolete) delete this.data.entries[key];
      summary.removed = obsolete.length;
    } else {
      summary.obsolete = obsolete;
    }
    const failure = this.save(complete, attempts);
    if (failure) summary.failure = failure;
    const nothing = checks.length === 0 && obsolete.length === 0 && !failure;
    this.summary = nothing ? null : summary;
    return this.summary;
  }

  /** Writes the file when it changed; why it could not, or null. */
  private save(complete: boolean, attempts: Attempt[]): string | null {
    if (this.mode === 'none') return null;
    if (this.retaking) {
      // taken anew: only whole, so that no entry of a test that did not run is lost
      if (attempts.some((a) => a.kept) || !complete) {
        return `${this.loadError?.message ?? `The baselines in ${this.file} must be taken again.`} jest -u did not rewrite it, since ${this.retaking} and not every test of the file ran (-t, skipped or failed tests): their entries would be lost. Run \`jest -u\` on the whole file, or fix or delete the file first.`;
      }
    } else if (this.loadError) {
      return null; // -u, but no check reached the file: it stays as it is
    }
    let before: string | null = null;
    try {
      before = readFileSync(this.file, 'utf8');
    } catch {
      // no file yet
    }
    const text = Object.keys(this.data.entries).length === 0 ? null : serializeBaselines(this.data);
    if (text === before) return null;
    try {
      if (text === null) rmSync(this.file, { force: true });
      else writeBaselines(this.file, text);
    } catch (error) {
      return `The allocation baselines of this file were not saved: ${(error as Error).message}`;
    }
    return null;
  }
}

const sameShape = (a: BaselineEntry, b: BaselineEntry): boolean => (a.retained === undefined) === (b.retained === undefined);

/** A site's file as the baseline stores it: relative to the rootDir, '/'-separated, the same on every machine. */
export function siteFile(file: string, rootDir: string): string {
  return isAbsolute(file) ? relative(rootDir, file).split(sep).join('/') : file;
}
