import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deployments configure the platform from .env.example and the README's table: every variable the
 * config module reads must be in both, so a variable added without documentation fails the build.
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function variablesReadByConfig(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(join(root, 'src', 'config'))) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const source = read(join('src', 'config', file));
    const patterns = [
      /^\s+([A-Z][A-Z0-9_]+)\?:/gm, // a property of a validated Env class
      /secret\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g, // secret(env, 'NAME', ...)
      /\benv\.([A-Z][A-Z0-9_]+)/g, // env.NAME / process.env.NAME
      /\benv\[\s*'([A-Z][A-Z0-9_]+)'\s*\]/g, // env['NAME']
    ];
    for (const pattern of patterns) for (const match of source.matchAll(pattern)) names.add(match[1]);
  }
  return [...names].sort();
}

describe('configuration documentation', () => {
  const variables = variablesReadByConfig();

  it('finds the variables the config module reads', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['NODE_ENV', 'DATABASE_URL', 'FB_APP_SECRET', 'TOKEN_ENCRYPTION_KEYS']),
    );
  });

  it('documents every variable in .env.example', () => {
    const example = read('.env.example');
    expect(variables.filter((name) => !new RegExp(`^#* *${name}=`, 'm').test(example))).toEqual([]);
  });

  it("lists every variable in the README's configuration table", () => {
    const readme = read('README.md');
    expect(variables.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });
});
