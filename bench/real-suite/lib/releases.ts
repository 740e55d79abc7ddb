// Release management: semver ranges and bumps, deterministic ids with uuid v5, and the sign-up
// and release forms validated with yup.
import * as semver from 'semver';
import { v5 as uuidv5, validate as isUuid, version as uuidVersion } from 'uuid';
import * as yup from 'yup';
import { sortBy, uniqBy } from 'lodash';
import { int, pick, Random, word } from './random';

const NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8'; // the URL namespace of RFC 4122

export const idFor = (name: string): string => uuidv5(name, NAMESPACE);
export { isUuid, uuidVersion };

export interface Change {
  id: string;
  kind: 'breaking' | 'feature' | 'fix' | 'chore';
  summary: string;
}

export function sampleVersions(random: Random, count: number): string[] {
  return Array.from({ length: count }, () => {
    const base = `${int(random, 0, 5)}.${int(random, 0, 30)}.${int(random, 0, 60)}`;
    return random() > 0.85 ? `${base}-${pick(random, ['alpha', 'beta', 'rc'])}.${int(random, 0, 9)}` : base;
  });
}

export function sampleChanges(random: Random, count: number): Change[] {
  return Array.from({ length: count }, (_, i) => {
    const summary = `${word(random)} ${word(random)} ${i}`;
    return { id: idFor(summary), kind: pick(random, ['breaking', 'feature', 'fix', 'fix', 'chore', 'feature'] as const), summary };
  });
}

export function nextVersion(current: string, changes: Change[]): string {
  const kinds = new Set(changes.map((c) => c.kind));
  const major = semver.major(current) === 0;
  const release: semver.ReleaseType = kinds.has('breaking') ? (major ? 'minor' : 'major') : kinds.has('feature') ? (major ? 'patch' : 'minor') : 'patch';
  return semver.inc(current, release)!;
}

export function changelog(version: string, changes: Change[]): string {
  const sections: [Change['kind'], string][] = [['breaking', 'Breaking changes'], ['feature', 'Features'], ['fix', 'Fixes']];
  const out = [`## ${version}`];
  for (const [kind, title] of sections) {
    const list = sortBy(uniqBy(changes.filter((c) => c.kind === kind), 'id'), 'summary');
    if (list.length) out.push('', `### ${title}`, '', ...list.map((c) => `- ${c.summary} (${c.id.slice(0, 8)})`));
  }
  return out.join('\n');
}

export function satisfying(versions: string[], range: string): string[] {
  return semver.sort(versions.filter((v) => semver.satisfies(v, range, { includePrerelease: false })));
}

export function latestPerMajor(versions: string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const v of semver.sort([...versions])) if (!semver.prerelease(v)) out[semver.major(v)] = v;
  return out;
}

export const signupSchema = yup.object({
  email: yup.string().email().required(),
  name: yup.string().min(2).max(60).required(),
  age: yup.number().integer().min(13).max(130).required(),
  plan: yup.mixed<'free' | 'team' | 'enterprise'>().oneOf(['free', 'team', 'enterprise']).required(),
  seats: yup.number().integer().min(1).when('plan', { is: 'free', then: (s) => s.max(1) }).required(),
  tags: yup.array(yup.string().required()).max(10).default([]),
});

export type Signup = yup.InferType<typeof signupSchema>;

export function sampleSignup(random: Random, valid = true): Record<string, unknown> {
  const plan = pick(random, ['free', 'team', 'enterprise']);
  const form: Record<string, unknown> = {
    email: `${word(random)}.${word(random)}@example.com`,
    name: `${word(random)} ${word(random)}`,
    age: int(random, 18, 90),
    plan,
    seats: plan === 'free' ? 1 : int(random, 2, 500),
    tags: Array.from({ length: int(random, 0, 4) }, () => word(random)),
  };
  if (!valid) {
    const broken = pick(random, ['email', 'age', 'seats', 'plan']);
    form[broken] = broken === 'email' ? 'not-an-email' : broken === 'plan' ? 'gold' : broken === 'seats' ? 0 : 7;
  }
  return form;
}

export async function validateSignup(form: unknown): Promise<{ ok: true; value: Signup } | { ok: false; errors: string[] }> {
  try {
    return { ok: true, value: await signupSchema.validate(form, { abortEarly: false, stripUnknown: true }) };
  } catch (error) {
    if (error instanceof yup.ValidationError) return { ok: false, errors: error.errors };
    throw error;
  }
}
