import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

let written = 0;

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a file behind and a
 * reader sees the old file or the new one. The temporary name is unique per process, thread and
 * write, so parallel Jest workers never share one.
 */
export function writeFileAtomic(file: string, text: string): void {
  const temporary = `${file}.${process.pid}-${threadId}-${written++}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    throw error;
  }
}
