// The checks every option reader shares, so that a rule is stated one way everywhere.

/** A short, safe description of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return Array.isArray(value) ? 'an array' : `an object${name && name !== 'Object' ? ` (${name})` : ''}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** An integer option of at least `min` (and at most `max`), or a RangeError naming it and quoting the value. */
export function checkCount(name: string, value: unknown, min: number, max = Infinity): number {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new RangeError(`${name} must be an integer of ${min} or more, got ${describeValue(value)}`);
  }
  if ((value as number) > max) throw new RangeError(`${name} must be at most ${max}, got ${String(value)}`);
  return value as number;
}

/**
 * Refuses keys of `given` other than `known`: `unknown option "sites.interval"; known options are
 * samplingInterval, top` (`within` names the object the keys belong to).
 */
export function checkKnownOptions(given: object, known: readonly string[], within = ''): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const name = within ? `${within}.${key}` : key;
    throw new TypeError(`unknown option ${JSON.stringify(name)}; known ${known.length === 1 ? 'option is' : 'options are'} ${known.join(', ')}`);
  }
}
