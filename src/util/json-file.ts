import { readFileSync } from 'node:fs';

// Reading the project's JSON files (snapshots, reports, baselines): what can go wrong is the same
// for all of them, and each names the file in its own error.

/**
 * One of our files that cannot be read (missing, truncated, foreign, from a newer version, hostile):
 * each kind says what it is in its message, which names the file and what is wrong with it.
 */
export class UnreadableFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The file's text; a missing or unreadable file goes to `fail` with a plain reason. */
export function readText(file: string, fail: (reason: string) => never): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
}

/**
 * JSON that only data can come out of: keys that would reach prototypes are refused (the file is
 * then not one of ours), and a parse error says the file may be truncated.
 */
export function parseData(text: string, fail: (reason: string) => never, refused: (key: string) => string = (key) => `refusing key ${JSON.stringify(key)}`): unknown {
  let refusal: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        refusal = refused(key);
        throw new Error(refusal);
      }
      return v;
    });
  } catch (error) {
    return fail(refusal ?? `not valid JSON, the file may be truncated (${(error as Error).message})`);
  }
  return value;
}
