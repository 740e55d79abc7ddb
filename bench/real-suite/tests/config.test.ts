import { applyOverrides, bumpReplicas, ConfigError, dumpJsYaml, endpointsByMethod, parseServices, sampleService, ServiceSchema, toYaml } from '../lib/config';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('service configuration', () => {
  const random = seeded(SEED);
  const services = Array.from({ length: 4 * SCALE }, () => sampleService(random));
  const text = toYaml(services);

  test('round-trips every service through YAML', () => {
    const parsed = parseServices(text);
    expect(parsed).toHaveLength(services.length);
    expect(parsed.map((s) => s.name)).toEqual(services.map((s) => s.name));
    expect(parsed[0].endpoints).toEqual(services[0].endpoints);
  });

  test('js-yaml reads what yaml wrote', () => {
    expect(parseServices(text, 'js-yaml')).toEqual(parseServices(text, 'yaml'));
  });

  test('fills defaults for missing keys', () => {
    const { replicas, features, ...rest } = services[0];
    const [parsed] = parseServices(toYaml([rest as never]));
    expect(parsed.replicas).toBe(2);
    expect(parsed.features).toEqual({ tracing: false, metrics: true });
    expect(replicas + Object.keys(features).length).toBeGreaterThan(0);
  });

  test('rejects an invalid port with a path to it', () => {
    const broken = toYaml([{ ...services[0], database: { ...services[0].database, port: 70_000 } }]);
    expect(() => parseServices(broken)).toThrow(ConfigError);
    expect(() => parseServices(broken)).toThrow(/database\.port/);
  });

  test('rejects a bad version and an empty endpoint list together', () => {
    const result = ServiceSchema.safeParse({ ...services[1], version: 'latest', endpoints: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['endpoints', 'version']);
  });

  test('applies CLI overrides and validates them', () => {
    const updated = applyOverrides(services[0], { replicas: 9, 'database.pool.max': 64, 'features.beta': true });
    expect(updated.replicas).toBe(9);
    expect(updated.database.pool.max).toBe(64);
    expect(updated.features.beta).toBe(true);
    expect(() => applyOverrides(services[0], { replicas: 0 })).toThrow();
  });

  test('counts endpoints by method', () => {
    const counts = endpointsByMethod(services);
    const total = services.reduce((n, s) => n + s.endpoints.length, 0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(total);
  });

  test('bumps replicas in place', () => {
    const one = toYaml([services[0]]);
    const bumped = bumpReplicas(one, 3);
    expect(parseServices(bumped)[0].replicas).toBe(services[0].replicas + 3);
  });

  test('dumps sorted keys with js-yaml', () => {
    const dumped = dumpJsYaml(services[0]);
    const keys = dumped.split('\n').filter((line) => /^\w/.test(line)).map((line) => line.split(':')[0]);
    expect(keys).toEqual([...keys].sort());
  });

  test('parses a large multi-document file', () => {
    const many = Array.from({ length: 12 * SCALE }, () => sampleService(random, 20));
    const parsed = parseServices(toYaml(many), 'js-yaml');
    expect(parsed).toHaveLength(many.length);
    expect(parsed.every((s) => s.endpoints.length === 20)).toBe(true);
  });

  test('keeps the configuration of the first service stable', () => {
    const [first] = parseServices(toYaml([sampleService(seeded(SEED), 5)]));
    expect(Object.keys(first).sort()).toMatchSnapshot();
  });
});
