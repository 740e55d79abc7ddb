// Finance reports: CSV ledgers parsed with csv-parse, grouped and summed with lodash, bucketed by
// month and week with date-fns.
import { parse } from 'csv-parse/sync';
import { addDays, differenceInCalendarDays, format, formatISO, parseISO, startOfMonth, startOfWeek } from 'date-fns';
import { groupBy, mapValues, orderBy, sumBy, meanBy, chunk, uniq, round } from 'lodash';
import { date, int, pick, Random, word } from './random';

export interface Entry {
  id: number;
  date: Date;
  account: string;
  category: string;
  amount: number;
  currency: 'EUR' | 'USD' | 'GBP';
  memo: string;
}

const CATEGORIES = ['rent', 'payroll', 'travel', 'software', 'hardware', 'marketing', 'legal', 'sales', 'refund', 'interest'];
const RATES: Record<Entry['currency'], number> = { EUR: 1, USD: 0.92, GBP: 1.17 };

export function sampleLedger(random: Random, rows: number): string {
  const accounts = Array.from({ length: int(random, 4, 12) }, () => `${word(random)}-${int(random, 100, 999)}`);
  const lines = ['id,date,account,category,amount,currency,memo'];
  for (let i = 0; i < rows; i++) {
    const amount = (random() > 0.3 ? -1 : 1) * round(random() * 5000, 2);
    const memo = random() > 0.8 ? `"${word(random)}, ${word(random)} ""${word(random)}"""` : word(random);
    lines.push(`${i + 1},${formatISO(date(random), { representation: 'date' })},${pick(random, accounts)},${pick(random, CATEGORIES)},${amount.toFixed(2)},${pick(random, ['EUR', 'USD', 'GBP'])},${memo}`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseLedger(csv: string): Entry[] {
  const records: Record<string, string>[] = parse(csv, { columns: true, skip_empty_lines: true, trim: true });
  return records.map((r) => ({
    id: Number(r.id),
    date: parseISO(r.date),
    account: r.account,
    category: r.category,
    amount: Number(r.amount),
    currency: r.currency as Entry['currency'],
    memo: r.memo,
  }));
}

export const inEuro = (entry: Entry): number => round(entry.amount * RATES[entry.currency], 2);

export function monthly(entries: Entry[]): Record<string, { income: number; spending: number; count: number }> {
  const byMonth = groupBy(entries, (e) => format(startOfMonth(e.date), 'yyyy-MM'));
  return mapValues(byMonth, (list) => ({
    income: round(sumBy(list.filter((e) => e.amount > 0), inEuro), 2),
    spending: round(-sumBy(list.filter((e) => e.amount < 0), inEuro), 2),
    count: list.length,
  }));
}

export function weeklyTotals(entries: Entry[]): { week: string; total: number }[] {
  const byWeek = groupBy(entries, (e) => formatISO(startOfWeek(e.date, { weekStartsOn: 1 }), { representation: 'date' }));
  return orderBy(
    Object.entries(byWeek).map(([week, list]) => ({ week, total: round(sumBy(list, inEuro), 2) })),
    ['week'],
    ['asc'],
  );
}

export function topAccounts(entries: Entry[], count: number): { account: string; volume: number; average: number }[] {
  const byAccount = groupBy(entries, 'account');
  const rows = Object.entries(byAccount).map(([account, list]) => ({
    account,
    volume: round(sumBy(list, (e) => Math.abs(inEuro(e))), 2),
    average: round(meanBy(list, inEuro), 2),
  }));
  return orderBy(rows, ['volume', 'account'], ['desc', 'asc']).slice(0, count);
}

/** Entries whose date is within `days` of another entry of the same account and amount: likely duplicates. */
export function suspectedDuplicates(entries: Entry[], days = 3): [number, number][] {
  const pairs: [number, number][] = [];
  const byKey = groupBy(entries, (e) => `${e.account}|${e.amount}`);
  for (const list of Object.values(byKey)) {
    const sorted = orderBy(list, (e) => e.date.getTime());
    for (let i = 1; i < sorted.length; i++) {
      if (differenceInCalendarDays(sorted[i].date, sorted[i - 1].date) <= days) pairs.push([sorted[i - 1].id, sorted[i].id]);
    }
  }
  return pairs;
}

export function toCsv(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const columns = uniq(rows.flatMap((row) => Object.keys(row)));
  const cell = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\n');
}

export function paginate<T>(items: T[], size: number): { page: number; items: T[] }[] {
  return chunk(items, size).map((page, index) => ({ page: index + 1, items: page }));
}

export function schedule(start: Date, everyDays: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => format(addDays(start, i * everyDays), 'yyyy-MM-dd (EEE)'));
}
