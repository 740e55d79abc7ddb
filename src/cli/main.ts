// `jest-tracemalloc <command>`: read, compare, merge and export snapshots and reports.
import { UnreadableFileError } from '../util/json-file';
import { compare, COMPARE_USAGE } from './commands/compare';
import { exportSnapshot, EXPORT_USAGE } from './commands/export';
import { merge, MERGE_USAGE } from './commands/merge';
import { show, SHOW_USAGE } from './commands/show';
import { UsageError } from './command-line';

const USAGE = `Usage: jest-tracemalloc <command> [options]

Commands:
  show <snapshot.json>             a dumped snapshot's statistics, as tracemalloc prints them
  compare <base> <head>            two reports (per-test change) or two snapshots (differences)
  merge <reports...> -o <file>     the reports of sharded runs, as one
  export <snapshot.json> --format heapprofile   for Chrome DevTools and speedscope

Run jest-tracemalloc <command> --help for a command's options.
Exit codes: 0 done, 1 compare --fail-above exceeded, 2 bad usage or unreadable file.`;

/** Runs one command line; returns what to print and the exit code (no process.exit: testable). */
export function run(argv: string[]): { stdout: string; stderr: string; code: number } {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'show':
        return { stdout: show(args), stderr: '', code: 0 };
      case 'compare': {
        const result = compare(args);
        return { stdout: result.output, stderr: '', code: result.failed ? 1 : 0 };
      }
      case 'merge':
        return { stdout: merge(args), stderr: '', code: 0 };
      case 'export':
        return { stdout: exportSnapshot(args), stderr: '', code: 0 };
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return { stdout: USAGE, stderr: '', code: command === undefined ? 2 : 0 };
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`, USAGE);
    }
  } catch (error) {
    if (error instanceof UsageError) return { stdout: '', stderr: `jest-tracemalloc: ${error.message}\n\n${error.usage}`, code: 2 };
    if (error instanceof UnreadableFileError) return { stdout: '', stderr: `jest-tracemalloc: ${error.message}`, code: 2 };
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { stdout: '', stderr: `jest-tracemalloc: ${(error as Error).message}`, code: 2 };
    throw error; // a bug: the stack trace helps
  }
}

export const usages = { show: SHOW_USAGE, compare: COMPARE_USAGE, merge: MERGE_USAGE, export: EXPORT_USAGE };

