import { changelog, idFor, isUuid, latestPerMajor, nextVersion, sampleChanges, sampleSignup, sampleVersions, satisfying, uuidVersion, validateSignup } from '../lib/releases';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('releases', () => {
  const random = seeded(SEED);
  const versions = sampleVersions(random, 200 * SCALE);
  const changes = sampleChanges(random, 40 * SCALE);

  test('ids are stable version-5 uuids', () => {
    const id = idFor('release/1.0.0');
    expect(isUuid(id)).toBe(true);
    expect(uuidVersion(id)).toBe(5);
    expect(idFor('release/1.0.0')).toBe(id);
  });

  test('a breaking change bumps the major after 1.0', () => {
    expect(nextVersion('1.4.2', [{ id: idFor('x'), kind: 'breaking', summary: 'x' }])).toBe('2.0.0');
    expect(nextVersion('0.4.2', [{ id: idFor('x'), kind: 'breaking', summary: 'x' }])).toBe('0.5.0');
  });

  test('features bump the minor, fixes the patch', () => {
    expect(nextVersion('1.4.2', [{ id: idFor('f'), kind: 'feature', summary: 'f' }])).toBe('1.5.0');
    expect(nextVersion('1.4.2', [{ id: idFor('p'), kind: 'fix', summary: 'p' }])).toBe('1.4.3');
  });

  test('the changelog lists each change once', () => {
    const text = changelog('3.0.0', [...changes, ...changes]);
    const listed = text.split('\n').filter((line) => line.startsWith('- '));
    expect(listed).toHaveLength(changes.filter((c) => c.kind !== 'chore').length);
  });

  test('filters versions by range', () => {
    const matching = satisfying(versions, '^1.2.0');
    for (const v of matching) expect(v.startsWith('1.')).toBe(true);
    expect(satisfying([...matching].reverse(), '^1.2.0')).toEqual(matching);
  });

  test('finds the latest release of each major', () => {
    const latest = latestPerMajor(versions);
    for (const [major, version] of Object.entries(latest)) expect(version.startsWith(`${major}.`)).toBe(true);
  });

  test('accepts valid sign-ups', async () => {
    for (let i = 0; i < 20 * SCALE; i++) {
      const result = await validateSignup(sampleSignup(random));
      expect(result.ok).toBe(true);
    }
  });

  test('rejects invalid sign-ups with a reason', async () => {
    for (let i = 0; i < 20 * SCALE; i++) {
      const result = await validateSignup(sampleSignup(random, false));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
    }
  });

  test('strips unknown fields', async () => {
    const result = await validateSignup({ ...sampleSignup(random), admin: true });
    expect(result.ok && 'admin' in result.value).toBe(false);
  });

  test('sorts a long version history', () => {
    const sorted = satisfying(sampleVersions(random, 2000 * SCALE), '>=0.0.0');
    expect(sorted.length).toBeGreaterThan(1000 * SCALE);
  });

  test('keeps the changelog format stable', () => {
    expect(changelog('1.0.0', sampleChanges(seeded(SEED), 4))).toMatchSnapshot();
  });
});
