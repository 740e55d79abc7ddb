import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

// Like Python's linecache: source lines for Traceback.format(), read once per file.
const cache = new Map<string, readonly string[] | null>();

export function getSourceLine(filename: string, lineno: number): string {
  let lines = cache.get(filename);
  if (lines === undefined) {
    try {
      lines = isAbsolute(filename) ? readFileSync(filename, 'utf8').split(/\r?\n/) : null;
    } catch {
      lines = null;
    }
    cache.set(filename, lines);
  }
  return lines?.[lineno - 1]?.trim() ?? '';
}
