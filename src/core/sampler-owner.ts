// V8 has one sampling heap profiler per isolate: the tracer and measure({ sites }) take turns.
let owner: 'tracer' | 'measure' | null = null;

export function isSamplerBusy(): boolean {
  return owner !== null;
}

export function setSamplerOwner(next: 'tracer' | 'measure' | null): void {
  owner = next;
}

/**
 * Across realms: Jest's environment keeps the profiler for per-test sites and lends it to code in
 * the test's realm (the tracer, the matchers) through this global symbol.
 */
export const SAMPLER_LENDER = Symbol.for('jest-tracemalloc.samplerLender');

export interface SamplerLender {
  lend(): void;
  takeBack(): void;
}

export const samplerLender = (): SamplerLender | undefined => (globalThis as { [SAMPLER_LENDER]?: SamplerLender })[SAMPLER_LENDER];
