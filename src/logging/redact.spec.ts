import { REDACTED, redactSecrets, redactText, redactUrlCredentials, TRUNCATED } from './redact';

describe('redactUrlCredentials', () => {
  it.each([
    ['redis://:s3cret-pw@redis.internal:6379/0', `redis://:${REDACTED}@redis.internal:6379/0`],
    ['postgres://app:s3cret-pw@db.internal:5432/hub', `postgres://app:${REDACTED}@db.internal:5432/hub`],
    ['postgresql://app:s3cret-pw@db.internal/hub?sslmode=require', `postgresql://app:${REDACTED}@db.internal/hub?sslmode=require`],
    ['rediss://default:s3cret-pw@cache.example.com:6380', `rediss://default:${REDACTED}@cache.example.com:6380`],
    ['https://user:s3cret-pw@example.com/path', `https://user:${REDACTED}@example.com/path`],
  ])('hides the password of %s and keeps the rest', (url, expected) => {
    expect(redactUrlCredentials(url)).toBe(expected);
  });

  it('hides a password with an unencoded @ or : in it', () => {
    expect(redactUrlCredentials('postgres://app:p@ss:w0rd@db:5432/hub')).toBe(`postgres://app:${REDACTED}@db:5432/hub`);
  });

  it('hides every URL quoted inside longer text, such as a connection error', () => {
    const text =
      "connect to 'postgres://app:pg-secret@db:5432/hub' failed (redis: \"redis://:redis-secret@cache:6379\")\n" +
      "  input: 'rediss://u:third-secret@cache:6380'";
    const out = redactUrlCredentials(text);
    expect(out).not.toMatch(/pg-secret|redis-secret|third-secret/);
    expect(out).toContain(`'postgres://app:${REDACTED}@db:5432/hub'`);
    expect(out).toContain(`"redis://:${REDACTED}@cache:6379"`);
  });

  it('leaves URLs without a password alone', () => {
    const text =
      'postgres://postgres@127.0.0.1:5432/messenger_hub redis://127.0.0.1:6379 ' +
      'https://graph.facebook.com:443/v23.0/me?email=a@b.example http://[::1]:3000/x';
    expect(redactUrlCredentials(text)).toBe(text);
  });
});

describe('redactText', () => {
  it.each([
    ['access_token', 'https://graph.facebook.com/v23.0/me?access_token=EAAB123&fields=id'],
    ['appsecret_proof', '/v23.0/me/messages?appsecret_proof=9f86d081884c7d65&x=1'],
    ['fb_exchange_token', '/oauth/access_token?grant_type=fb_exchange_token&fb_exchange_token=EAAshort'],
    ['client_secret', '/oauth/access_token?client_id=1&client_secret=s3cr3t-value'],
    ['verify_token', '/webhook?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=42'],
  ])('hides the %s query parameter and keeps the rest of the URL', (param, url) => {
    const out = redactText(url);
    expect(out).toContain(`${param}=${REDACTED}`);
    const secret = new URL(url, 'http://x').searchParams.get(
      param === 'verify_token' ? 'hub.verify_token' : param,
    )!;
    expect(out).not.toContain(secret);
    expect(out.replace(`${param}=${REDACTED}`, '')).toBe(url.replace(`${param}=${secret}`, ''));
  });

  it('hides every secret parameter of one URL, in any case and position', () => {
    const out = redactText('GET /x?ACCESS_TOKEN=aaa&a=1&appsecret_proof=bbb#frag');
    expect(out).toBe(`GET /x?ACCESS_TOKEN=${REDACTED}&a=1&appsecret_proof=${REDACTED}#frag`);
  });

  it('hides secrets in URLs quoted inside longer text', () => {
    const out = redactText('request to "https://graph.facebook.com/me?access_token=EAAxyz" failed');
    expect(out).toBe(`request to "https://graph.facebook.com/me?access_token=${REDACTED}" failed`);
  });

  it('hides Bearer credentials', () => {
    expect(redactText('Authorization: Bearer abc.DEF-123_~+/=')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('bearer sk_live_123')).toBe(`bearer ${REDACTED}`);
  });

  it('hides passwords in URLs', () => {
    expect(redactText('Redis at redis://:pw123@cache:6379 is down')).toBe(`Redis at redis://:${REDACTED}@cache:6379 is down`);
  });

  it('leaves text without secrets alone', () => {
    const text = 'GET /admin/pages?limit=20&token_status=ok 200';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactSecrets', () => {
  it('hides fields named like a token or a secret, at any depth', () => {
    const out = redactSecrets({
      pageId: '1234567890',
      accessToken: 'EAApage',
      nested: { appSecret: 'app-secret', list: [{ page_access_token: 'EAAother', name: 'Shop' }] },
      headers: { authorization: 'Bearer key', 'x-api-key': 'k', 'content-type': 'application/json' },
      clientSecret: 'cs',
      verify_token: 'vt',
    });
    expect(out).toEqual({
      pageId: '1234567890',
      accessToken: REDACTED,
      nested: { appSecret: REDACTED, list: [{ page_access_token: REDACTED, name: 'Shop' }] },
      headers: { authorization: REDACTED, 'x-api-key': REDACTED, 'content-type': 'application/json' },
      clientSecret: REDACTED,
      verify_token: REDACTED,
    });
  });

  it('keeps token metadata that is not secret', () => {
    const meta = {
      tokenFingerprint: 'ab12',
      tokenExpiresAt: '2030-01-01',
      tokenType: 'PAGE',
      tokenScopes: ['x'],
    };
    expect(redactSecrets(meta)).toEqual(meta);
  });

  it('keeps booleans and empty values of secret-named fields (they reveal nothing)', () => {
    expect(redactSecrets({ hasToken: true, secret: null, token: undefined })).toEqual({
      hasToken: true,
      secret: null,
      token: undefined,
    });
  });

  it('hides secret URL parameters inside string values and error messages', () => {
    const error = new Error('GET https://graph.facebook.com/me?access_token=EAAleak failed');
    const out = redactSecrets({ url: '/me?access_token=EAAx', err: error }) as {
      url: string;
      err: { message: string; stack: string };
    };
    expect(out.url).toBe(`/me?access_token=${REDACTED}`);
    expect(out.err.message).not.toContain('EAAleak');
    expect(out.err.stack).not.toContain('EAAleak');
  });

  it('hides passwords of URLs in any string value, error messages and stacks', () => {
    const error = new Error('connect ECONNREFUSED postgres://app:in-error@db:5432/hub');
    const out = JSON.stringify(
      redactSecrets({ databaseUrl: 'postgres://app:in-field@db/hub', args: ['redis://:in-array@cache'], err: error }),
    );
    expect(out).not.toMatch(/in-field|in-array|in-error/);
    expect(out).toContain(`postgres://app:${REDACTED}@db/hub`);
  });

  it('writes [Truncated] for what lies past its depth limit, never the raw object', () => {
    let deep: Record<string, unknown> = { password: 'deep-secret', note: 'Bearer deep-bearer' };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    const out = JSON.stringify(redactSecrets({ wrapper: deep, list: [[[[[[[[[[{ token: 'deep-token' }]]]]]]]]]] }));
    expect(out).not.toMatch(/deep-secret|deep-bearer|deep-token/);
    expect(out).toContain(`"${TRUNCATED}"`);
  });

  it('walks nine levels of objects and truncates the tenth', () => {
    const nest = (levels: number, leaf: unknown): unknown => (levels === 0 ? leaf : { n: nest(levels - 1, leaf) });
    expect(redactSecrets(nest(8, { kept: true }))).toEqual(nest(8, { kept: true }));
    expect(redactSecrets(nest(9, { kept: true }))).toEqual(nest(9, TRUNCATED));
  });

  it('does not change its input', () => {
    const input = { token: 'abc', deep: { secret: 'def' } };
    redactSecrets(input);
    expect(input).toEqual({ token: 'abc', deep: { secret: 'def' } });
  });
});
