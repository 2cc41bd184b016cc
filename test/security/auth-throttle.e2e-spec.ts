import { DataSource } from 'typeorm';
import { eventually } from '../support/eventually';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'e2e-throttle-admin-key-0123456789-abcdefghij';
const LIMIT = 5;

type Inject = TestApp['app']['inject'];

/**
 * Failures are counted in Redis, and skipped (fail open) until the app's Redis client is connected:
 * start attempting once the app reports ready, as a load balancer would.
 */
const ready = (t: TestApp) =>
  eventually(
    'the app to be ready',
    async () => (await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200,
  );
const attempt = (inject: Inject, opts: { key?: string; from: string; forwardedFor?: string }) =>
  inject.call(undefined, {
    method: 'GET',
    url: '/admin/pages',
    remoteAddress: opts.from,
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}),
    },
  });

/** An app with `env` (plus the admin key and the failure limit) for one describe block, ready before its tests. */
function throttledApp(env: Record<string, string>) {
  const app: { t?: TestApp; inject: Inject } = { inject: (() => undefined) as unknown as Inject };
  beforeAll(async () => {
    app.t = await startTestApp({ ADMIN_API_KEY: ADMIN_KEY, AUTH_FAILURE_LIMIT: String(LIMIT), ...env });
    app.inject = app.t.app.inject.bind(app.t.app);
    await ready(app.t);
  });
  afterAll(async () => {
    await app.t?.close();
  });
  return app;
}

describe('failed-auth throttle, default (no trusted proxy) (e2e)', () => {
  const app = throttledApp({ AUTH_FAILURE_ALERT_THRESHOLD: '12' });

  it('always accepts the correct key, even from an address that is locked out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++)
      statuses.push((await attempt(app.inject, { key: 'wrong', from: '10.1.0.1' })).statusCode);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429, 429]);
    const locked = await attempt(app.inject, { key: 'wrong', from: '10.1.0.1' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(app.inject, { key: ADMIN_KEY, from: '10.1.0.1' })).statusCode).toBe(200);
  });

  it('ignores a forged X-Forwarded-For: the socket address is the client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await attempt(app.inject, {
        key: 'wrong',
        from: '10.1.0.2',
        forwardedFor: `203.0.113.${i}`,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.at(-1)).toBe(429);
  });

  it('raises an auth_failures alert when failures across the deployment pass the threshold', async () => {
    for (let i = 0; i < 12; i++) await attempt(app.inject, { from: `10.1.1.${i}` });
    const rows = await eventually('the auth_failures alert', async () => {
      const found: Array<{ kind: string; page_id: string | null }> = await app
        .t!.app.get(DataSource)
        .query(`SELECT kind, page_id FROM alerts WHERE kind = 'auth_failures' AND status <> 'resolved'`);
      return found.length > 0 && found;
    });
    expect(rows).toEqual([{ kind: 'auth_failures', page_id: null }]);
  });
});

describe('failed-auth throttle behind a trusted proxy (e2e)', () => {
  const BALANCER = '10.2.0.1';
  const app = throttledApp({ TRUST_PROXY: '10.2.0.0/16' });

  it('throttles the client behind the balancer, not the balancer', async () => {
    for (let i = 0; i < LIMIT + 1; i++)
      await attempt(app.inject, { key: 'wrong', from: BALANCER, forwardedFor: '198.51.100.7' });
    expect(
      (await attempt(app.inject, { key: 'wrong', from: BALANCER, forwardedFor: '198.51.100.7' })).statusCode,
    ).toBe(429);
    // Another client through the same balancer is not locked out.
    expect(
      (await attempt(app.inject, { key: 'wrong', from: BALANCER, forwardedFor: '198.51.100.8' })).statusCode,
    ).toBe(401);
    expect(
      (await attempt(app.inject, { key: ADMIN_KEY, from: BALANCER, forwardedFor: '198.51.100.7' }))
        .statusCode,
    ).toBe(200);
  });

  it('does not believe X-Forwarded-For from an address that is not a trusted proxy', async () => {
    for (let i = 0; i < LIMIT; i++) {
      await attempt(app.inject, { key: 'wrong', from: '192.0.2.1', forwardedFor: `198.51.100.${100 + i}` });
    }
    expect(
      (await attempt(app.inject, { key: 'wrong', from: '192.0.2.1', forwardedFor: '198.51.100.200' }))
        .statusCode,
    ).toBe(429);
  });
});

describe('failed-auth throttle with TRUST_PROXY as a hop count (e2e)', () => {
  const app = throttledApp({ TRUST_PROXY: '1' });

  it('counts the address one hop behind the proxy', async () => {
    for (let i = 0; i < LIMIT + 1; i++)
      await attempt(app.inject, { key: 'wrong', from: '10.3.0.1', forwardedFor: '198.51.100.30' });
    expect(
      (await attempt(app.inject, { key: 'wrong', from: '10.3.0.1', forwardedFor: '198.51.100.30' }))
        .statusCode,
    ).toBe(429);
    expect(
      (await attempt(app.inject, { key: 'wrong', from: '10.3.0.1', forwardedFor: '198.51.100.31' }))
        .statusCode,
    ).toBe(401);
  });
});
