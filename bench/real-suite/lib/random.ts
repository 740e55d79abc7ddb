// Seeded randomness, so that every generated document is the same from run to run.
export type Random = () => number;

/** mulberry32: a small, fast PRNG; the same seed gives the same sequence everywhere. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const SYLLABLES = ['lo', 'ra', 'ten', 'mi', 'sol', 'da', 've', 'no', 'ka', 'ri', 'pu', 'zen', 'tor', 'el', 'ma', 'qui'];

export function word(random: Random): string {
  let out = '';
  for (let i = int(random, 1, 3); i > 0; i--) out += pick(random, SYLLABLES);
  return out;
}

export function words(random: Random, count: number): string[] {
  return Array.from({ length: count }, () => word(random));
}

export function sentence(random: Random, length = int(random, 5, 14)): string {
  const text = words(random, length).join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

export function paragraph(random: Random, sentences = int(random, 2, 6)): string {
  return Array.from({ length: sentences }, () => sentence(random)).join(' ');
}

/** A fixed instant plus a seeded offset: no test depends on the clock. */
export function date(random: Random, from = Date.UTC(2024, 0, 1), days = 730): Date {
  return new Date(from + Math.floor(random() * days * 86_400_000));
}
