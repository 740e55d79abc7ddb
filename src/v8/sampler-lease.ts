// V8 has one sampling heap profiler per isolate, so one holder at a time: the tracer (start() to
// stop()) or measure() (its sites, or its bounding of allocation buffers). In a Jest worker the
// environment keeps a background session of its own (per-test sites, bounded buffers), paused while
// anyone holds the lease, in either realm: the test's realm (the user's tracer) and Node's (the
// matchers' measure()) each load their own copy of this module, so the environment hands both one
// shared state under a registered symbol.

export type SamplerHolder = 'the tracer' | 'measure()';

/** A session that samples while nobody holds the lease. */
export interface BackgroundSampling {
  pause(): void;
  resume(): void;
}

interface LeaseState {
  holder: SamplerHolder | null;
  background: BackgroundSampling | null;
}

const SHARED = Symbol.for('jest-tracemalloc.samplerLease');
const ownState: LeaseState = { holder: null, background: null };
const state = (): LeaseState => (globalThis as { [SHARED]?: LeaseState })[SHARED] ?? ownState;

/** The profiler is held by someone else. */
export class SamplerBusyError extends Error {
  constructor(readonly holder: SamplerHolder) {
    super(`V8's sampling heap profiler is in use by ${holder}`);
    this.name = 'SamplerBusyError';
  }
}

/** Who holds the profiler, if anyone. */
export const samplerHolder = (): SamplerHolder | null => state().holder;

/** Takes the profiler for `holder` (a background session pauses); returns its release. */
export function acquireSampler(holder: SamplerHolder): () => void {
  const lease = state();
  if (lease.holder) throw new SamplerBusyError(lease.holder);
  lease.background?.pause();
  lease.holder = holder;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lease.holder = null;
    lease.background?.resume();
  };
}

/** The environment's background session, shared with every realm given; returns what undoes it. */
export function shareSampler(realms: object[], background: BackgroundSampling): () => void {
  const lease: LeaseState = { holder: null, background };
  for (const realm of realms) Object.defineProperty(realm, SHARED, { value: lease, configurable: true });
  return () => {
    for (const realm of realms as { [SHARED]?: LeaseState }[]) if (realm[SHARED] === lease) delete realm[SHARED];
  };
}
