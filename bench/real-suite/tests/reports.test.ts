import { inEuro, monthly, paginate, parseLedger, sampleLedger, schedule, suspectedDuplicates, toCsv, topAccounts, weeklyTotals } from '../lib/reports';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('ledger reports', () => {
  const random = seeded(SEED);
  const csv = sampleLedger(random, 400 * SCALE);
  const entries = parseLedger(csv);

  test('parses every row, quoted memos included', () => {
    expect(entries).toHaveLength(400 * SCALE);
    expect(entries.every((e) => Number.isFinite(e.amount) && !Number.isNaN(e.date.getTime()))).toBe(true);
    expect(entries.some((e) => e.memo.includes('"'))).toBe(true);
  });

  test('monthly totals add up to the ledger', () => {
    const months = monthly(entries);
    const counted = Object.values(months).reduce((n, m) => n + m.count, 0);
    expect(counted).toBe(entries.length);
    const net = Object.values(months).reduce((n, m) => n + m.income - m.spending, 0);
    expect(net).toBeCloseTo(entries.reduce((n, e) => n + inEuro(e), 0), 0);
  });

  test('weeks are in order and start on Mondays', () => {
    const weeks = weeklyTotals(entries);
    expect(weeks.map((w) => w.week)).toEqual([...weeks.map((w) => w.week)].sort());
    for (const { week } of weeks) expect(new Date(`${week}T00:00:00`).getDay()).toBe(1);
  });

  test('ranks accounts by volume', () => {
    const top = topAccounts(entries, 5);
    expect(top.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < top.length; i++) expect(top[i - 1].volume).toBeGreaterThanOrEqual(top[i].volume);
  });

  test('finds duplicates planted in the ledger', () => {
    const planted = [...entries, { ...entries[0], id: 100_000 }];
    const pairs = suspectedDuplicates(planted);
    expect(pairs.some(([a, b]) => (a === entries[0].id && b === 100_000) || (b === entries[0].id && a === 100_000))).toBe(true);
  });

  test('writes CSV that parses back', () => {
    const rows = entries.slice(0, 40).map((e) => ({ id: e.id, date: '2024-05-01', account: e.account, category: e.category, amount: e.amount, currency: e.currency, memo: `note "${e.account}", ${e.id}` }));
    const back = parseLedger(toCsv(rows));
    expect(back.map((e) => e.memo)).toEqual(rows.map((r) => r.memo));
  });

  test('paginates without losing entries', () => {
    const pages = paginate(entries, 25);
    expect(pages.flatMap((p) => p.items)).toHaveLength(entries.length);
    expect(pages[pages.length - 1].page).toBe(Math.ceil(entries.length / 25));
  });

  test('schedules recurring payments', () => {
    const dates = schedule(new Date(Date.UTC(2024, 0, 31)), 14, 26 * SCALE);
    expect(dates).toHaveLength(26 * SCALE);
    expect(new Set(dates).size).toBe(dates.length);
  });

  test('groups a year of entries by category', () => {
    const big = parseLedger(sampleLedger(random, 1500 * SCALE));
    const categories = new Set(big.map((e) => e.category));
    expect(categories.size).toBeGreaterThan(5);
    expect(Object.keys(monthly(big)).length).toBeGreaterThan(12);
  });

  test('converts currencies to euro', () => {
    for (const entry of entries.slice(0, 50)) {
      if (entry.currency === 'EUR') expect(inEuro(entry)).toBe(entry.amount);
      else expect(Math.abs(inEuro(entry))).not.toBe(Math.abs(entry.amount) + 1);
    }
  });

  test('keeps the report columns stable', () => {
    expect(toCsv(topAccounts(parseLedger(sampleLedger(seeded(SEED), 20)), 2)).split('\n')[0]).toMatchSnapshot();
  });
});
