// V8 has one sampling heap profiler per isolate: the tracer and measure({ sites }) take turns.
let owner: 'tracer' | 'measure' | null = null;

export function isSamplerBusy(): boolean {
  return owner !== null;
}

export function setSamplerOwner(next: 'tracer' | 'measure' | null): void {
  owner = next;
}
