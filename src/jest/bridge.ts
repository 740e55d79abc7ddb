import { isThenable } from '../core/drive';
import type { MatcherCore } from './matcher-core';
import type { BaselineStore } from './baselines/baseline-store';
import type { Tolerance } from './baselines/tolerance';

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ownCore ??= (require('./matcher-core') as typeof import('./matcher-core')).matcherCore;
  return ownCore;
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
