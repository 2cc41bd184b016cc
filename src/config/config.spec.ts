import { loadAppConfig, parseByteSize } from './app.config';
import { loadDatabaseConfig } from './database.config';
import { loadMessengerConfig } from './messenger.config';
import { loadRedisConfig } from './redis.config';
import { DEV_TOKEN_ENCRYPTION_KEYS, loadSecurityConfig } from './security.config';
import { loadWebhookConfig } from './webhook.config';
import { ConfigValidationError } from './validate-env';

const key = (fill: string) => Buffer.alloc(32, fill).toString('base64');
const prodSecrets = {
  NODE_ENV: 'production',
  FB_APP_ID: '123456',
  FB_APP_SECRET: 'a-real-app-secret',
  FB_VERIFY_TOKEN: 'a-real-verify-token',
  ADMIN_API_KEY: 'A'.repeat(40),
  SITE_API_KEY: 'B'.repeat(40),
  TOKEN_ENCRYPTION_KEYS: `k2:${key('x')},k1:${key('y')}`,
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has working development defaults', () => {
    expect(loadAppConfig({})).toMatchObject({ role: 'all', port: 3000, webhookBodyLimit: 1024 * 1024 });
    expect(loadSecurityConfig({}).encryptionKeys).toHaveLength(1);
  });

  it('names a malformed variable', () => {
    expect(problemsOf(() => loadAppConfig({ APP_ROLE: 'both' }))).toEqual([
      expect.stringMatching(/^APP_ROLE: must be one of all, web, worker/),
    ]);
    expect(problemsOf(() => loadAppConfig({ PORT: 'eighty' }))[0]).toMatch(/^PORT:/);
  });

  it('requires FB_APP_SECRET in production', () => {
    const { FB_APP_SECRET: _omit, ...env } = prodSecrets;
    expect(problemsOf(() => loadMessengerConfig(env))).toEqual(['FB_APP_SECRET: required when NODE_ENV=production']);
  });

  it('refuses development defaults and short API keys in production', () => {
    const problems = problemsOf(() =>
      loadSecurityConfig({ ...prodSecrets, ADMIN_API_KEY: 'dev-only-admin-api-key-change-me-0000', SITE_API_KEY: 'short' }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^ADMIN_API_KEY: is a development default/),
      'SITE_API_KEY: must be at least 32 characters in production',
    ]);
  });

  it('parses encryption keys, current key first', () => {
    const config = loadSecurityConfig(prodSecrets);
    expect(config.encryptionKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it('rejects an encryption key that is not 32 bytes', () => {
    const problems = problemsOf(() =>
      loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }),
    );
    expect(problems).toEqual(['TOKEN_ENCRYPTION_KEYS: key "k1" must decode to exactly 32 bytes (got 16)']);
  });

  it('refuses the development encryption key in production under any key id', () => {
    const devKey = DEV_TOKEN_ENCRYPTION_KEYS.slice(DEV_TOKEN_ENCRYPTION_KEYS.indexOf(':') + 1);
    expect(problemsOf(() => loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: `prod:${devKey}` }))).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: key "prod" is the development key/),
    ]);
    // ...also as an old, decrypt-only key behind a real one.
    expect(
      problemsOf(() => loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: `k2:${key('x')},old:${devKey}` })),
    ).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: key "old" is the development key/)]);
    expect(problemsOf(() => loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: DEV_TOKEN_ENCRYPTION_KEYS }))).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: is a development default/),
    ]);
    // Development runs on it.
    expect(loadSecurityConfig({ TOKEN_ENCRYPTION_KEYS: `other:${devKey}` }).encryptionKeys).toHaveLength(1);
  });

  it.each([
    ['a stray character', `${key('x').slice(0, 20)}!${key('x').slice(20)}`],
    ['no padding', key('x').replace(/=$/, '')],
    ['base64url characters', Buffer.alloc(32, 0xfb).toString('base64url') + '='],
    ['whitespace inside', `${key('x').slice(0, 22)} ${key('x').slice(22)}`],
    ['non-canonical trailing bits', `${key('x').slice(0, 42)}5=`],
    ['nothing after the colon', ''],
  ])('refuses key material that is not strict base64 (%s), in every environment', (_case, material) => {
    const expected = [expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: key "k1" must be standard base64 of 32 bytes/)];
    expect(problemsOf(() => loadSecurityConfig({ TOKEN_ENCRYPTION_KEYS: `k1:${material}` }))).toEqual(expected);
    expect(problemsOf(() => loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: `k1:${material}` }))).toEqual(
      expected,
    );
  });

  it('accepts keys as printed by openssl rand -base64 32', () => {
    const printed = ['7Yj3mG1Q2yqX0Hc8WnR5y3vKZ3aQ9tN6hB0dE1fP4sU=', 'ff/+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0=', key('x')];
    const config = loadSecurityConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: printed.map((k, i) => `k${i}:${k}`).join(',') });
    expect(config.encryptionKeys.map((k) => k.key.length)).toEqual([32, 32, 32]);
  });

  it('refuses a Graph API base URL that is not https in production, naming it', () => {
    expect(problemsOf(() => loadMessengerConfig({ ...prodSecrets, GRAPH_API_BASE_URL: 'http://graph.facebook.com' }))).toEqual([
      expect.stringMatching(/^GRAPH_API_BASE_URL: must be an https:\/\/ URL when NODE_ENV=production/),
    ]);
    // Reported together with the other problems of the area.
    const { FB_APP_SECRET: _omit, ...noSecret } = prodSecrets;
    expect(
      problemsOf(() => loadMessengerConfig({ ...noSecret, GRAPH_API_BASE_URL: 'http://10.0.0.5:8080' })).map((p) =>
        p.slice(0, p.indexOf(':')),
      ),
    ).toEqual(['FB_APP_SECRET', 'GRAPH_API_BASE_URL']);
  });

  it.each([
    'https://graph.facebook.com',
    'http://localhost:4000',
    'http://127.0.0.1:4000',
    'http://127.8.9.10',
    'http://[::1]:4000',
  ])('accepts %s as the Graph API base URL in production', (url) => {
    expect(loadMessengerConfig({ ...prodSecrets, GRAPH_API_BASE_URL: url }).graphBaseUrl).toBe(url);
  });

  it('accepts a plain http Graph API base URL outside production', () => {
    expect(loadMessengerConfig({ GRAPH_API_BASE_URL: 'http://fake-graph:4000' }).graphBaseUrl).toBe('http://fake-graph:4000');
  });

  it('reads DOCS_ENABLED, default true', () => {
    expect(loadAppConfig({}).docsEnabled).toBe(true);
    expect(loadAppConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(loadAppConfig({ DOCS_ENABLED: 'true', NODE_ENV: 'production' }).docsEnabled).toBe(true);
    expect(problemsOf(() => loadAppConfig({ DOCS_ENABLED: 'off' }))).toEqual(['DOCS_ENABLED: must be true or false']);
  });

  it('names a DATABASE_URL or REDIS_URL that does not parse, without echoing its password', () => {
    const database = problemsOf(() => loadDatabaseConfig({ DATABASE_URL: 'postgres://app:pg-pw@db:port/hub' }));
    const redis = problemsOf(() => loadRedisConfig({ REDIS_URL: 'redis://:redis-pw@cache:port' }));
    expect(database).toEqual([expect.stringMatching(/^DATABASE_URL: is not a valid URL/)]);
    expect(redis).toEqual([expect.stringMatching(/^REDIS_URL: is not a valid URL/)]);
    expect([...database, ...redis].join('\n')).not.toMatch(/pg-pw|redis-pw/);
    expect(loadRedisConfig({ REDIS_URL: 'rediss://default:p%40ss@cache:6380' }).url).toBe('rediss://default:p%40ss@cache:6380');
  });

  it('reads boolean variables literally ("false" is false) and names a bad one', () => {
    expect(loadAppConfig({ DATABASE_AUTO_MIGRATE: 'false' }).autoMigrate).toBe(false);
    expect(loadAppConfig({ DATABASE_AUTO_MIGRATE: 'TRUE', NODE_ENV: 'production' }).autoMigrate).toBe(true);
    expect(problemsOf(() => loadAppConfig({ DATABASE_AUTO_MIGRATE: 'yes' }))[0]).toMatch(/^DATABASE_AUTO_MIGRATE:/);
    // A wrongly read "false" here would accept the legacy sha1 signature.
    expect(loadWebhookConfig({ WEBHOOK_ACCEPT_SHA1: 'false' }).acceptSha1).toBe(false);
    expect(loadWebhookConfig({ WEBHOOK_ACCEPT_SHA1: 'true' }).acceptSha1).toBe(true);
  });

  it('parses byte sizes', () => {
    expect(parseByteSize('512kb')).toBe(512 * 1024);
    expect(parseByteSize('2mb')).toBe(2 * 1024 * 1024);
    expect(parseByteSize('100')).toBe(100);
  });
});
