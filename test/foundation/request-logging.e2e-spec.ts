import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface RequestLine {
  msg: string;
  role: string;
  req: { id: string; method: string; url: string };
  res: { statusCode: number | null };
}

describe('request logging (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The completion line of the one request whose URL contains `marker`. */
  function requestLine(marker: string): RequestLine {
    const lines = t.logs
      .map((l) => JSON.parse(l) as Partial<RequestLine>)
      .filter((l): l is RequestLine => l.msg === 'request completed' && !!l.req?.url.includes(marker));
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it('logs the status code of each request', async () => {
    await t.app.inject({ method: 'GET', url: '/no-such-route?m=status404' });
    await t.app.inject({ method: 'GET', url: '/admin/pages?m=status401' });
    await t.app.inject({ method: 'GET', url: '/docs-json?m=status200' });
    expect(requestLine('status404').res.statusCode).toBe(404);
    expect(requestLine('status401').res.statusCode).toBe(401);
    expect(requestLine('status200').res.statusCode).toBe(200);
  });

  it('takes a well-formed X-Request-Id, logs it and echoes it', async () => {
    const given = `lb-${randomUUID()}`;
    const res = await t.app.inject({
      method: 'GET',
      url: '/nowhere?m=given',
      headers: { 'x-request-id': given },
    });
    expect(res.headers['x-request-id']).toBe(given);
    expect(requestLine('m=given').req.id).toBe(given);
  });

  it('replaces a malformed X-Request-Id with a UUID', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/nowhere?m=malformed',
      headers: { 'x-request-id': 'has spaces and\ttabs <script>' },
    });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(UUID);
    expect(requestLine('m=malformed').req.id).toBe(id);
  });

  it('gives every request without an id a fresh UUID', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/nowhere?m=fresh-a' });
    const b = await t.app.inject({ method: 'GET', url: '/nowhere?m=fresh-b' });
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    expect(requestLine('m=fresh-a').req.id).toBe(a.headers['x-request-id']);
  });

  it('does not log health probes', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/health/live' });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect([live.statusCode, ready.statusCode]).toEqual([200, 200]);
    // ...but still tags them, so a probe can be traced if it ever matters.
    expect(live.headers['x-request-id']).toMatch(UUID);
    const probes = t.logs.filter((l) =>
      (JSON.parse(l) as Partial<RequestLine>).req?.url.startsWith('/health'),
    );
    expect(probes).toEqual([]);
  });

  it('redacts secrets in logged URLs', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/nowhere?m=redact&access_token=EAAsecretvalue&appsecret_proof=abc123',
    });
    expect(requestLine('m=redact').req.url).toBe(
      '/nowhere?m=redact&access_token=[REDACTED]&appsecret_proof=[REDACTED]',
    );
    expect(t.logs.join('\n')).not.toContain('EAAsecretvalue');
  });
});
