// Feeds: RSS documents parsed and built with fast-xml-parser; their items validated with ajv
// against a JSON schema before they are stored.
import Ajv, { JSONSchemaType, ValidateFunction } from 'ajv';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { date, int, paragraph, Random, sentence, word } from './random';

export interface FeedItem {
  guid: string;
  title: string;
  link: string;
  pubDate: string;
  category: string[];
  description: string;
  comments?: number;
}

export interface Feed {
  title: string;
  link: string;
  language: string;
  items: FeedItem[];
}

const itemSchema: JSONSchemaType<FeedItem> = {
  type: 'object',
  properties: {
    guid: { type: 'string', minLength: 8 },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    link: { type: 'string', pattern: '^https://' },
    pubDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' },
    category: { type: 'array', items: { type: 'string' }, maxItems: 8 },
    description: { type: 'string' },
    comments: { type: 'integer', nullable: true, minimum: 0 },
  },
  required: ['guid', 'title', 'link', 'pubDate', 'category', 'description'],
  additionalProperties: false,
};

let validator: ValidateFunction<FeedItem> | undefined;
/** Compiled once per module instance, as an app would at start-up. */
export function itemValidator(): ValidateFunction<FeedItem> {
  validator ??= new Ajv({ allErrors: true }).compile(itemSchema);
  return validator;
}

export function sampleFeed(random: Random, items: number): Feed {
  return {
    title: sentence(random, 3),
    link: `https://${word(random)}.example.org`,
    language: 'en',
    items: Array.from({ length: items }, (_, i) => ({
      guid: `${word(random)}-${i}-${int(random, 10_000, 99_999)}`,
      title: sentence(random, int(random, 3, 9)),
      link: `https://${word(random)}.example.org/${i}`,
      pubDate: date(random).toISOString(),
      category: Array.from({ length: int(random, 1, 4) }, () => word(random)),
      description: paragraph(random),
      ...(random() > 0.5 ? { comments: int(random, 0, 300) } : {}),
    })),
  };
}

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, attributeNamePrefix: '@_' });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => name === 'item' || name === 'category', parseTagValue: false });

export function toRss(feed: Feed): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      channel: {
        title: feed.title,
        link: feed.link,
        language: feed.language,
        item: feed.items.map(({ comments, ...item }) => ({ ...item, ...(comments === undefined ? {} : { comments: String(comments) }) })),
      },
    },
  });
}

export class FeedError extends Error {}

export function parseRss(xml: string): Feed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new FeedError(`invalid XML at line ${valid.err.line}: ${valid.err.msg}`);
  const channel = parser.parse(xml).rss.channel;
  const items: FeedItem[] = (channel.item ?? []).map((item: Record<string, unknown>) => ({
    ...(item as unknown as FeedItem),
    ...(item.comments === undefined ? {} : { comments: Number(item.comments) }),
  }));
  const check = itemValidator();
  const invalid = items.filter((item): boolean => !check(item));
  if (invalid.length) throw new FeedError(`${invalid.length} invalid item(s): ${invalid[0].guid}`);
  return { title: channel.title, link: channel.link, language: channel.language, items };
}

export function validationErrors(item: unknown): string[] {
  const check = itemValidator();
  return check(item) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export function mergeFeeds(feeds: Feed[], limit: number): FeedItem[] {
  const seen = new Set<string>();
  return feeds
    .flatMap((feed) => feed.items)
    .filter((item) => (seen.has(item.guid) ? false : (seen.add(item.guid), true)))
    .sort((a, b) => b.pubDate.localeCompare(a.pubDate) || a.guid.localeCompare(b.guid))
    .slice(0, limit);
}
