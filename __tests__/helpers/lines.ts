import { readFileSync } from 'node:fs';

/** 1-based line of the first line in `file` containing `text`: tests name lines by content, not number. */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not found in ${file}`);
  return index + 1;
}
