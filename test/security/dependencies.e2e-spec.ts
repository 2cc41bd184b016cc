import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const atLeast = (version: string, minimum: string): boolean => {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

describe('dependencies and CI (security issue)', () => {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };

  it('installs one fastify, at a version past the advisories fixed in 5.12.2', () => {
    const fastify = Object.entries(lock.packages).filter(([path]) =>
      /(^|\/)node_modules\/fastify$/.test(path),
    );
    expect(fastify.map(([path]) => path)).toEqual(['node_modules/fastify']);
    expect(atLeast(fastify[0][1].version!, '5.12.2')).toBe(true);
  });

  it('does not ship @nestjs/throttler (nothing uses it)', () => {
    expect(Object.keys(lock.packages).filter((path) => path.endsWith('@nestjs/throttler'))).toEqual([]);
  });

  it('type-checks the specs in CI (ts-jest only transpiles them)', () => {
    expect(read('.ci/run')).toMatch(/^npm run typecheck$/m);
    expect(JSON.parse(read('package.json')).scripts.typecheck).toBe('tsc --noEmit -p tsconfig.json');
    expect(JSON.parse(read('tsconfig.json')).include).toEqual(
      expect.arrayContaining(['src/**/*', 'test/**/*']),
    );
  });
});
