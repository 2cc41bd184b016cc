import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationProblems } from '../../src/config/all-configs';

/**
 * Deployments configure the platform from .env.example and the README's table: every variable the
 * config module reads must be in both, so a variable added without documentation fails the build.
 */
const root = join(__dirname, '..', '..');
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

/** The uncommented `NAME=value` lines of an env file, as Compose and `set -a; . ./.env` read them. */
function assignments(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** Every problem main.ts would print at boot with exactly `env` as the environment. */
function bootProblems(env: Record<string, string>): string[] {
  return configurationProblems(env);
}

describe('.env.example, the template of a deployment', () => {
  const example = assignments(read('.env.example'));

  it('runs in production when copied, and compose hands it to the app containers', () => {
    expect(example.NODE_ENV).toBe('production');
    expect(example.ENV_FILE).toBe('.env');
  });

  it('refuses to start until every required value is filled in, naming each', () => {
    expect(
      bootProblems(example)
        .map((p) => p.slice(0, p.indexOf(':')))
        .sort(),
    ).toEqual(['ADMIN_API_KEY', 'FB_APP_ID', 'FB_APP_SECRET', 'FB_VERIFY_TOKEN', 'SITE_API_KEY', 'TOKEN_ENCRYPTION_KEYS']);
  });

  it('starts once they are filled in as it says (keys from openssl rand -base64 32)', () => {
    const generated = () => randomBytes(32).toString('base64');
    const filled = {
      ...example,
      FB_APP_ID: '1234567890',
      FB_APP_SECRET: randomBytes(16).toString('hex'),
      FB_VERIFY_TOKEN: randomBytes(16).toString('hex'),
      ADMIN_API_KEY: generated(),
      SITE_API_KEY: generated(),
      TOKEN_ENCRYPTION_KEYS: `k1:${generated()}`,
    };
    expect(bootProblems(filled)).toEqual([]);
  });

  it("leaves the compose Postgres password empty, which Postgres refuses, and sets scram-sha-256", () => {
    expect(example.POSTGRES_PASSWORD).toBe('');
    expect(example.POSTGRES_HOST_AUTH_METHOD).toBe('scram-sha-256');
    // `:-` would turn the empty value back into the development password.
    expect(read('docker-compose.yml')).not.toContain('${POSTGRES_PASSWORD:-');
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');
  const published = [...compose.matchAll(/^(\s*)ports:\n((?:\1\s+-.*\n)+)/gm)].flatMap((m) =>
    m[2].split('\n').filter(Boolean).map((line) => line.replace(/^\s*-\s*/, '').replace(/^"|"$/g, '')),
  );

  it('publishes every port on 127.0.0.1 only', () => {
    expect(published).toHaveLength(3);
    expect(published.filter((port) => !port.startsWith('127.0.0.1:'))).toEqual([]);
    expect(published).toContain('127.0.0.1:${WEB_PORT:-3000}:3000');
  });
});
