// Content pipeline: Markdown articles rendered with markdown-it (pages) and marked (previews),
// wrapped in Handlebars layouts, and the HTML read back with htmlparser2 (links, headings, text).
import Handlebars from 'handlebars';
import { Parser } from 'htmlparser2';
import { kebabCase, escape } from 'lodash';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { date, int, paragraph, pick, Random, sentence, word, words } from './random';

export interface Article {
  slug: string;
  title: string;
  author: string;
  published: Date;
  tags: string[];
  markdown: string;
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: true });

export function sampleArticle(random: Random, sections = int(random, 2, 6)): Article {
  const title = sentence(random, int(random, 3, 7)).slice(0, -1);
  const parts: string[] = [`# ${title}`, '', paragraph(random)];
  for (let s = 0; s < sections; s++) {
    parts.push('', `## ${sentence(random, 3).slice(0, -1)}`, '', paragraph(random));
    const kind = int(random, 0, 3);
    if (kind === 0) parts.push('', ...words(random, int(random, 3, 7)).map((w) => `- **${w}**: ${sentence(random)}`));
    if (kind === 1) parts.push('', '```ts', `const ${word(random)} = ${int(random, 1, 1000)};`, `export default ${word(random)}();`, '```');
    if (kind === 2) {
      parts.push('', '| name | value | share |', '| --- | ---: | ---: |');
      for (let r = int(random, 3, 8); r > 0; r--) parts.push(`| ${word(random)} | ${int(random, 1, 9999)} | ${(random() * 100).toFixed(1)}% |`);
    }
    if (kind === 3) parts.push('', `> ${sentence(random)} See [${word(random)}](https://example.com/${word(random)}/${int(random, 1, 99)}).`);
  }
  return {
    slug: kebabCase(title),
    title,
    author: `${word(random)} ${word(random)}`,
    published: date(random),
    tags: Array.from(new Set(words(random, int(random, 1, 5)))),
    markdown: parts.join('\n'),
  };
}

export const renderMarkdown = (markdown: string): string => md.render(markdown);
export const renderPreview = (markdown: string): string => marked.parse(markdown, { async: false, gfm: true });

const layout = Handlebars.compile(`<!doctype html>
<html><head><title>{{title}} - {{site}}</title></head>
<body>
<header><nav>{{#each nav}}<a href="{{href}}"{{#if active}} class="active"{{/if}}>{{label}}</a>{{/each}}</nav></header>
<article data-slug="{{slug}}">
<p class="meta">By {{author}} on {{published}}{{#if tags.length}} in {{#each tags}}<a href="/tags/{{this}}">{{this}}</a>{{#unless @last}}, {{/unless}}{{/each}}{{/if}}</p>
{{{body}}}
</article>
<footer>{{#each related}}<a href="/{{slug}}">{{title}}</a>{{/each}}</footer>
</body></html>`);

export function renderPage(article: Article, related: Article[] = [], site = 'Example'): string {
  return layout({
    site,
    ...article,
    published: article.published.toISOString().slice(0, 10),
    body: renderMarkdown(article.markdown),
    nav: ['home', 'blog', 'about'].map((label) => ({ label, href: `/${label}`, active: label === 'blog' })),
    related: related.map(({ slug, title }) => ({ slug, title })),
  });
}

export interface Outline {
  headings: { level: number; text: string }[];
  links: string[];
  words: number;
  tables: number;
}

/** Reads a rendered page back: its outline, its links, the words of its text. */
export function outline(html: string): Outline {
  const result: Outline = { headings: [], links: [], words: 0, tables: 0 };
  let heading: { level: number; text: string } | undefined;
  let skip = 0;
  const parser = new Parser({
    onopentag(name, attributes) {
      if (/^h[1-6]$/.test(name)) heading = { level: Number(name[1]), text: '' };
      if (name === 'a' && attributes.href) result.links.push(attributes.href);
      if (name === 'table') result.tables++;
      if (name === 'script' || name === 'style') skip++;
    },
    ontext(text) {
      if (skip) return;
      if (heading) heading.text += text;
      result.words += text.split(/\s+/).filter(Boolean).length;
    },
    onclosetag(name) {
      if (heading && /^h[1-6]$/.test(name)) {
        result.headings.push({ ...heading, text: heading.text.trim() });
        heading = undefined;
      }
      if (name === 'script' || name === 'style') skip--;
    },
  });
  parser.write(html);
  parser.end();
  return result;
}

export function excerpt(article: Article, length = 160): string {
  const text = renderPreview(article.markdown.split('\n').filter((line) => !line.startsWith('#')).join('\n')).replace(/<[^>]+>/g, '');
  return escape(text.length > length ? `${text.slice(0, length - 1).trimEnd()}…` : text);
}

export function pickRelated(random: Random, articles: Article[], count: number): Article[] {
  return Array.from({ length: Math.min(count, articles.length) }, () => pick(random, articles));
}
