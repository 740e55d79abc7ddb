import { DOMAINS, type Domain, type Trace } from './trace';
import type { Frame } from './frame';
import { describeValue } from '../util/checks';
import { fnmatchToRegExp } from './fnmatch';

function checkDomain(domain: unknown): asserts domain is Domain {
  if (!DOMAINS.includes(domain as Domain)) {
    throw new TypeError(`domain must be one of ${DOMAINS.map((d) => `'${d}'`).join(', ')}, got ${describeValue(domain)}`);
  }
}

/**
 * Keeps (`inclusive`) or drops traces by file name pattern, as tracemalloc's `Filter` does.
 * The pattern is matched as Python's fnmatch does: `*` matches any characters, `/` included,
 * `?` one character, `[seq]` / `[!seq]` a set.
 * Without `allFrames` only the most recent frame is matched.
 */
export class Filter {
  private readonly matchesName: (filename: string) => boolean;

  constructor(
    readonly inclusive: boolean,
    readonly filenamePattern: string,
    readonly lineno: number | null = null,
    readonly allFrames = false,
    readonly domain: Domain | null = null,
  ) {
    if (typeof inclusive !== 'boolean') throw new TypeError(`inclusive must be a boolean, got ${describeValue(inclusive)}`);
    if (typeof filenamePattern !== 'string' || filenamePattern === '') {
      throw new TypeError(`filenamePattern must be a non-empty string, got ${describeValue(filenamePattern)}`);
    }
    if (lineno !== null && lineno !== undefined && !Number.isInteger(lineno)) {
      throw new TypeError(`lineno must be an integer or null, got ${describeValue(lineno)}`);
    }
    if (domain !== null && domain !== undefined) checkDomain(domain);
    this.lineno = lineno ?? null;
    this.domain = domain ?? null;
    const pattern = fnmatchToRegExp(filenamePattern);
    this.matchesName = (filename) => pattern.test(filename);
  }

  private matchesFrame(frame: Frame): boolean {
    return this.matchesName(frame.filename) && (this.lineno === null || frame.lineno === this.lineno);
  }

  /** Whether `trace` passes this filter. */
  match(trace: Trace): boolean {
    const frames = trace.traceback.frames;
    let result: boolean;
    if (this.allFrames) {
      result = frames.some((frame) => this.matchesFrame(frame)) ? this.inclusive : !this.inclusive;
    } else {
      const frame = trace.traceback.mostRecent;
      result = (frame !== undefined && this.matchesFrame(frame)) !== !this.inclusive;
    }
    if (this.domain === null) return result;
    return this.inclusive ? result && trace.domain === this.domain : result || trace.domain !== this.domain;
  }
}

/** Keeps (`inclusive`) or drops the traces of one memory domain. */
export class DomainFilter {
  constructor(
    readonly inclusive: boolean,
    readonly domain: Domain,
  ) {
    if (typeof inclusive !== 'boolean') throw new TypeError(`inclusive must be a boolean, got ${describeValue(inclusive)}`);
    checkDomain(domain);
  }

  match(trace: Trace): boolean {
    return (trace.domain === this.domain) === this.inclusive;
  }
}

export type AnyFilter = Filter | DomainFilter;

/** tracemalloc's rule: a trace must match one inclusive filter (if any) and every exclusive one. */
export function applyFilters(traces: readonly Trace[], filters: readonly AnyFilter[]): Trace[] {
  if (!Array.isArray(filters)) {
    throw new TypeError(`filters must be an array of Filter or DomainFilter, not ${describeValue(filters)}`);
  }
  for (const filter of filters) {
    if (!(filter instanceof Filter) && !(filter instanceof DomainFilter)) {
      throw new TypeError(`filters must be an array of Filter or DomainFilter, found ${describeValue(filter)}`);
    }
  }
  const include = filters.filter((f) => f.inclusive);
  const exclude = filters.filter((f) => !f.inclusive);
  return traces.filter(
    (trace) => (include.length === 0 || include.some((f) => f.match(trace))) && exclude.every((f) => f.match(trace)),
  );
}
