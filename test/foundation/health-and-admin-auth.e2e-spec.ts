import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'e2e-admin-key-0123456789-abcdefghijklmnop';

describe('Foundation (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_API_KEY: ADMIN_KEY, AUTH_FAILURE_LIMIT: '10' });
  });
  afterAll(async () => {
    await t.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);

  it('answers liveness', async () => {
    const res = await inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
  });

  it('is ready when Postgres and Redis answer', async () => {
    const res = await inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().info).toEqual({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('refuses /admin without a key with 401 and WWW-Authenticate', async () => {
    const res = await inject({ method: 'GET', url: '/admin/pages', remoteAddress: '10.0.0.1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'unauthorized' });
  });

  it('refuses a wrong key of the same length with 401', async () => {
    const wrong = 'x'.repeat(ADMIN_KEY.length);
    const res = await inject({
      method: 'GET',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${wrong}` },
      remoteAddress: '10.0.0.2',
    });
    expect(res.statusCode).toBe(401);
  });

  it('lets a valid key through to the route', async () => {
    const res = await inject({
      method: 'GET',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      remoteAddress: '10.0.0.3',
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 429 after repeated failures from one address, and only failures count', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await inject({
        method: 'GET',
        url: '/admin/pages',
        headers: { authorization: 'Bearer wrong' },
        remoteAddress: '10.0.0.4',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);

    // Many authenticated calls from another address are never throttled.
    for (let i = 0; i < 40; i++) {
      const res = await inject({
        method: 'GET',
        url: '/admin/pages',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        remoteAddress: '10.0.0.5',
      });
      expect(res.statusCode).toBe(200);
    }
  });

  it('never logs the presented key', () => {
    expect(t.logs.join('\n')).not.toContain(ADMIN_KEY);
  });
});
