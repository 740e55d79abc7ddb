import { isThenable, type Deadline } from '../../measure/drive';
import type { MatcherCore } from './matcher-core';
import type { BaselineStore } from '../baselines/baseline-store';
import type { Tolerance } from '../baselines/tolerance';
import type { MatcherFigure } from '../environment/test-memory';

// What the environment (Node's realm) shares with code in the test's realm (the matchers): an
// object on the test's global under a registered symbol, which both realms see.
export const ENVIRONMENT_BRIDGE = Symbol.for('jest-tracemalloc.environment');

export interface EnvironmentBridge {
  /** Keeps a matcher's own measuring out of the running tests' figures; `resume` takes what `pause` returned. */
  pause(): number;
  resume(token: number): void;
  /** The measuring code, loaded once per worker. */
  core: MatcherCore;
  /** This test file's allocation baselines (written when the file's run ends). */
  baselines(): BaselineStore;
  /** The project's rootDir: paths in baselines and reports are relative to it. */
  rootDir: string;
  /** When the running test times out: its start and its timeout (measuring stops there). */
  deadline(): Deadline | undefined;
  /** A matcher's figure, for the report entry of the test `testName` (the running one when not given). */
  recordMatcher(testName: string | undefined, figure: MatcherFigure): void;
  /** The configured defaults for baselines (testEnvironmentOptions.tracemalloc.baselines). */
  baselineSettings(): { tolerance: Tolerance; failOnImprovement: boolean };
}

export function bridge(): EnvironmentBridge | undefined {
  return (globalThis as { [ENVIRONMENT_BRIDGE]?: EnvironmentBridge })[ENVIRONMENT_BRIDGE];
}

let ownCore: MatcherCore | undefined;

/** The environment's measuring code, or (no environment) this realm's, loaded on first use. */
export function matcherCore(): MatcherCore {
  const shared = bridge()?.core;
  if (shared) return shared;
  ownCore ??= (require('./matcher-core') as typeof import('./matcher-core')).matcherCore;
  return ownCore;
}

/**
 * Synchronous measuring, which nothing else can stop, stops at this many times the test's timeout: a
 * guard against a run that would never end (runs: 1e6 of a slow function), not a budget (a leak
 * verdict with its heap snapshots can take 20 s in a ts-jest worker).
 */
export const SYNC_LIMIT_FACTOR = 10;
/** Jest's default testTimeout, for the synchronous guard when the test's own is not known. */
const JEST_DEFAULT_TIMEOUT = 5000;

/** The deadline of measuring in a test of `timeout` ms that started at `started`. */
export const deadlineOf = (started: number, timeout: number | undefined): Deadline => ({
  started,
  limit: timeout ?? Infinity,
  syncLimit: SYNC_LIMIT_FACTOR * (timeout ?? JEST_DEFAULT_TIMEOUT),
});

/** Jest 30's running test, as expect's state hands it out (`currentTestIdentity`). */
function runningTest(): { timeout?: number } | undefined {
  const state = (globalThis as { expect?: { getState?: () => { currentTestIdentity?: () => unknown } } }).expect?.getState?.();
  return state?.currentTestIdentity?.() as { timeout?: number } | undefined;
}

/**
 * When measuring must stop: asynchronous calls at the running test's timeout, from its start (the
 * environment sees both), synchronous ones at SYNC_LIMIT_FACTOR times it. Without the environment,
 * from now, with the test's own timeout (Jest 30) or `jest.setTimeout`'s; when neither is known,
 * asynchronous calls run on (the config's testTimeout is only known to the environment).
 */
export function measuringDeadline(): Deadline {
  const fromEnvironment = bridge()?.deadline();
  if (fromEnvironment) return fromEnvironment;
  const set = (globalThis as { [key: symbol]: unknown })[Symbol.for('TEST_TIMEOUT_SYMBOL')];
  const own = runningTest()?.timeout;
  return deadlineOf(performance.now(), typeof own === 'number' && own > 0 ? own : typeof set === 'number' && set > 0 ? set : undefined);
}

/** Runs `work` (sync, or until its promise settles) with the per-test figures paused. */
export function outsideTestFigures<T>(work: () => T): T {
  const current = bridge();
  if (!current) return work();
  const token = current.pause();
  let result: T;
  try {
    result = work();
  } catch (error) {
    current.resume(token);
    throw error;
  }
  if (isThenable(result)) return Promise.resolve(result).finally(() => current.resume(token)) as T;
  current.resume(token);
  return result;
}
