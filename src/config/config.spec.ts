import { loadAppConfig, parseByteSize } from './app.config';
import { loadMessengerConfig } from './messenger.config';
import { loadSecurityConfig } from './security.config';
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
