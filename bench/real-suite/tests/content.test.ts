import { excerpt, outline, pickRelated, renderMarkdown, renderPage, renderPreview, sampleArticle } from '../lib/content';
import { changelog, sampleChanges } from '../lib/releases';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('content pipeline', () => {
  const random = seeded(SEED);
  const articles = Array.from({ length: 6 * SCALE }, () => sampleArticle(random));

  test('renders every heading of an article', () => {
    const html = renderMarkdown(articles[0].markdown);
    const headings = articles[0].markdown.split('\n').filter((line) => line.startsWith('#')).length;
    expect(outline(html).headings).toHaveLength(headings);
  });

  test('markdown-it and marked agree on the outline', () => {
    for (const article of articles) {
      const a = outline(renderMarkdown(article.markdown)).headings.map((h) => h.level);
      const b = outline(renderPreview(article.markdown)).headings.map((h) => h.level);
      expect(a).toEqual(b);
    }
  });

  test('renders tables with their rows', () => {
    const withTable = articles.filter((a) => a.markdown.includes('| --- |'));
    for (const article of withTable) expect(outline(renderMarkdown(article.markdown)).tables).toBeGreaterThan(0);
    expect(withTable.length).toBeGreaterThanOrEqual(0);
  });

  test('wraps an article in the layout', () => {
    const page = renderPage(articles[0], articles.slice(1, 3));
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`data-slug="${articles[0].slug}"`);
    expect(outline(page).links).toEqual(expect.arrayContaining(['/home', '/blog', '/about']));
  });

  test('links the related articles', () => {
    const related = pickRelated(random, articles, 3);
    const links = outline(renderPage(articles[0], related)).links;
    for (const r of related) expect(links).toContain(`/${r.slug}`);
  });

  test('links every tag', () => {
    const page = renderPage(articles[1]);
    for (const tag of articles[1].tags) expect(page).toContain(`/tags/${tag}`);
  });

  test('escapes the excerpt and keeps it short', () => {
    for (const article of articles) {
      const text = excerpt(article, 120);
      expect(text.length).toBeLessThanOrEqual(400);
      expect(text).not.toMatch(/<[a-z]/);
    }
  });

  test('counts the words of a whole site', () => {
    const site = articles.map((a) => renderPage(a, articles.slice(0, 2)));
    const words = site.map((html) => outline(html).words);
    expect(words.every((n) => n > 20)).toBe(true);
  });

  test('renders a release changelog as HTML', () => {
    const notes = changelog('2.0.0', sampleChanges(random, 20 * SCALE));
    const html = renderMarkdown(notes);
    expect(outline(html).headings[0]).toEqual({ level: 2, text: '2.0.0' });
  });

  test('renders a long article', () => {
    const long = sampleArticle(random, 30 * SCALE);
    const html = renderMarkdown(long.markdown);
    expect(outline(html).headings.length).toBe(30 * SCALE + 1);
  });

  test('keeps the page structure stable', () => {
    const article = sampleArticle(seeded(SEED), 2);
    expect(outline(renderPage(article)).headings.map((h) => h.level)).toMatchSnapshot();
  });
});
