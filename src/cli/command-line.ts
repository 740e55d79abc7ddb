import { parseArgs } from 'node:util';
import { KEY_TYPES, type KeyType } from '../tracemalloc/snapshot';

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

/** `--limit N`: a whole number of entries to print, 0 for all. */
export function readLimit(value: string | undefined, fallback: number, usage: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--limit must be a whole number, got ${JSON.stringify(value)}`, usage);
  return Number(value);
}

/** `--key`: how statistics are grouped, as `Snapshot.statistics()` takes it (default lineno). */
export function readKeyType(value: string | undefined, usage: string): KeyType {
  const key = value ?? 'lineno';
  if (!KEY_TYPES.includes(key as KeyType)) throw new UsageError(`--key must be one of ${KEY_TYPES.join(', ')}, got ${JSON.stringify(key)}`, usage);
  return key as KeyType;
}
