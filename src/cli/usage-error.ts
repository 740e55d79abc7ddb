import { parseArgs } from 'node:util';

/** A mistake on the command line: printed with the command's usage, never with a stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandLine {
  positionals: string[];
  /** A string option's value. */
  text(name: string): string | undefined;
  /** Whether a boolean option was given. */
  flag(name: string): boolean;
}

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/** node:util's parseArgs (`--help`/`-h` added), its errors turned into usage errors. */
export function parseCommandLine(args: string[], options: Record<string, OptionSpec>, usage: string): CommandLine {
  try {
    const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
    const given = values as Record<string, string | boolean | undefined>;
    return {
      positionals,
      text: (name) => (typeof given[name] === 'string' ? (given[name] as string) : undefined),
      flag: (name) => given[name] === true,
    };
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}
