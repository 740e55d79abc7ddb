import { FeedError, mergeFeeds, parseRss, sampleFeed, toRss, validationErrors } from '../lib/feeds';
import { outline, renderMarkdown } from '../lib/content';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('feeds', () => {
  const random = seeded(SEED);
  const feeds = Array.from({ length: 3 }, () => sampleFeed(random, 40 * SCALE));

  test('round-trips a feed through RSS', () => {
    const back = parseRss(toRss(feeds[0]));
    expect(back.title).toBe(feeds[0].title);
    expect(back.items).toEqual(feeds[0].items);
  });

  test('validates every item', () => {
    for (const feed of feeds) for (const item of feed.items) expect(validationErrors(item)).toEqual([]);
  });

  test('reports every problem of an invalid item', () => {
    const errors = validationErrors({ ...feeds[0].items[0], link: 'ftp://x', guid: 'short', extra: 1 });
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  test('rejects malformed XML with its line', () => {
    const xml = toRss(feeds[0]).replace('</channel>', '');
    expect(() => parseRss(xml)).toThrow(FeedError);
  });

  test('rejects a feed with an invalid item', () => {
    const xml = toRss({ ...feeds[1], items: [{ ...feeds[1].items[0], pubDate: 'yesterday' }] });
    expect(() => parseRss(xml)).toThrow(/invalid item/);
  });

  test('merges feeds newest first without duplicates', () => {
    const merged = mergeFeeds([...feeds, feeds[0]], 50);
    expect(merged).toHaveLength(50);
    expect(new Set(merged.map((i) => i.guid)).size).toBe(50);
    for (let i = 1; i < merged.length; i++) expect(merged[i - 1].pubDate >= merged[i].pubDate).toBe(true);
  });

  test('keeps categories as arrays', () => {
    const back = parseRss(toRss(feeds[2]));
    expect(back.items.every((i) => Array.isArray(i.category) && i.category.length > 0)).toBe(true);
  });

  test('renders item descriptions as HTML', () => {
    const html = feeds[0].items.map((i) => renderMarkdown(`### ${i.title}\n\n${i.description}`)).join('\n');
    expect(outline(html).headings).toHaveLength(feeds[0].items.length);
  });

  test('parses a large feed', () => {
    const big = sampleFeed(random, 300 * SCALE);
    expect(parseRss(toRss(big)).items).toHaveLength(300 * SCALE);
  });

  test('keeps comment counts as numbers', () => {
    const back = parseRss(toRss(feeds[1]));
    const withComments = back.items.filter((i) => i.comments !== undefined);
    expect(withComments.every((i) => typeof i.comments === 'number')).toBe(true);
  });

  test('keeps the RSS envelope stable', () => {
    const xml = toRss(sampleFeed(seeded(SEED), 1));
    expect(xml.split('\n').slice(0, 3)).toMatchSnapshot();
  });
});
