import { Frame, Trace, Traceback, type Domain } from '../../src';

/** A trace from `file:line[:name]` frames, oldest first: trace('heap', 100, '/a.js:1', '/b.js:2'). */
export function trace(domain: Domain, size: number, ...frames: string[]): Trace {
  return counted(domain, size, 1, ...frames);
}

export function counted(domain: Domain, size: number, count: number, ...frames: string[]): Trace {
  const parsed = frames.map((f) => {
    const [file = '', line = '0', name = ''] = f.split(/:(?=\d)|:(?=[a-z]+$)/i);
    return new Frame(file, Number(line), name);
  });
  return new Trace(domain, size, new Traceback(parsed), count);
}
