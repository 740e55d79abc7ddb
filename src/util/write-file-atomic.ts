import { readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let written = 0;

/** A file that could not be written: names the file asked for, never the temporary one. */
export class WriteFileError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    // Node's message names the syscall and the temporary path: keep its reason only
    // ("EACCES: permission denied, open '/x/a.json.123-0-0.tmp'" -> "EACCES: permission denied")
    super(`cannot write ${file}: ${cause.message.replace(/, (open|rename|write|mkdir) '.*$/s, '')}`);
    this.name = 'WriteFileError';
    this.code = cause.code;
  }
}

/** `<name>.<pid>-<thread>-<n>.tmp`, as writeFileAtomic names its temporary files. */
const temporaryName = /^(.*)\.(\d+)-\d+-\d+\.tmp$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process
  }
}

/** Temporary files of `file` left by writers that died between write and rename (a killed worker). */
function removeLeftovers(file: string): void {
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return; // the write below says what is wrong with the folder
  }
  for (const name of names) {
    const match = temporaryName.exec(name);
    if (!match || match[1] !== basename(file) || isRunning(Number(match[2]))) continue;
    try {
      unlinkSync(join(dirname(file), name));
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a file behind and a
 * reader sees the old file or the new one. The temporary name is unique per process, thread and
 * write, so parallel Jest workers never share one; temporary files of dead writers are removed.
 * Throws a WriteFileError naming `file`.
 */
export function writeFileAtomic(file: string, text: string): void {
  removeLeftovers(file);
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
    throw new WriteFileError(file, error as NodeJS.ErrnoException);
  }
}
