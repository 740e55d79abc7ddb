// Service configuration: YAML documents (two parsers, as apps that migrated keep both), validated
// with zod, merged over defaults with lodash.
import * as jsYaml from 'js-yaml';
import { merge, cloneDeep, get, set } from 'lodash';
import { parseDocument, stringify, Document } from 'yaml';
import { z } from 'zod';
import { int, pick, Random, word } from './random';

export const EndpointSchema = z.object({
  path: z.string().startsWith('/'),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
  timeoutMs: z.number().int().positive().max(60_000),
  retries: z.number().int().min(0).max(5).default(0),
  tags: z.array(z.string()).default([]),
});

export const ServiceSchema = z.object({
  name: z.string().min(2),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  replicas: z.number().int().min(1).max(64),
  env: z.record(z.string(), z.string()),
  database: z.object({
    host: z.string(),
    port: z.number().int().min(1).max(65535),
    pool: z.object({ min: z.number().int().min(0), max: z.number().int().positive() }),
  }),
  endpoints: z.array(EndpointSchema).min(1),
  features: z.record(z.string(), z.boolean()).default({}),
});

export type Service = z.infer<typeof ServiceSchema>;
export type ConfigFormat = 'yaml' | 'js-yaml';

export const DEFAULTS: Partial<Service> = {
  replicas: 2,
  env: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
  features: { tracing: false, metrics: true },
};

/** A plausible service definition, seeded. */
export function sampleService(random: Random, endpoints = int(random, 3, 12)): Service {
  const name = `${word(random)}-${word(random)}`;
  return {
    name,
    version: `${int(random, 0, 4)}.${int(random, 0, 20)}.${int(random, 0, 40)}`,
    replicas: int(random, 1, 16),
    env: Object.fromEntries(Array.from({ length: int(random, 2, 8) }, () => [word(random).toUpperCase(), word(random)])),
    database: { host: `${word(random)}.db.internal`, port: int(random, 1024, 65000), pool: { min: int(random, 0, 4), max: int(random, 5, 40) } },
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      path: `/${word(random)}/${i}`,
      method: pick(random, ['GET', 'POST', 'PUT', 'DELETE'] as const),
      timeoutMs: int(random, 100, 30_000),
      retries: int(random, 0, 5),
      tags: Array.from({ length: int(random, 0, 3) }, () => word(random)),
    })),
    features: Object.fromEntries(Array.from({ length: int(random, 1, 6) }, () => [word(random), random() > 0.5])),
  };
}

export function toYaml(services: Service[]): string {
  return services.map((service) => stringify(service)).join('---\n');
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
  }
}

/** Every document of a multi-document YAML text, merged over the defaults and validated. */
export function parseServices(text: string, format: ConfigFormat = 'yaml'): Service[] {
  const raw: unknown[] = format === 'yaml' ? text.split(/^---$/m).map((doc) => parseDocument(doc).toJS()) : jsYaml.loadAll(text);
  return raw.map((doc, index) => {
    const result = ServiceSchema.safeParse(merge(cloneDeep(DEFAULTS), doc));
    if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `document ${index}: ${issue.path.join('.')}: ${issue.message}`));
    return result.data;
  });
}

/** Applies `key.path=value` overrides, as a CLI would, and validates again. */
export function applyOverrides(service: Service, overrides: Record<string, string | number | boolean>): Service {
  const copy = cloneDeep(service);
  for (const [path, value] of Object.entries(overrides)) set(copy, path, value);
  return ServiceSchema.parse(copy);
}

export function endpointsByMethod(services: Service[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const service of services) for (const endpoint of service.endpoints) counts[endpoint.method] = (counts[endpoint.method] ?? 0) + 1;
  return counts;
}

/** Edits a YAML document in place, keeping its comments: what config tooling does. */
export function bumpReplicas(text: string, by: number): string {
  const document: Document = parseDocument(text);
  const replicas = Number(get(document.toJS(), 'replicas', 1));
  document.set('replicas', replicas + by);
  return document.toString();
}

export function dumpJsYaml(service: Service): string {
  return jsYaml.dump(service, { sortKeys: true, lineWidth: 100 });
}
