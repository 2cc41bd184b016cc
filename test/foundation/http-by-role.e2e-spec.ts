import { eventually } from '../support/eventually';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

const ADMIN_KEY = 'e2e-roles-admin-key-0123456789-abcdefghij';

/*
 * The HTTP side of the roles, in-process. Which processors a role runs is decided while modules are
 * declared, before a test can set APP_ROLE: process-roles-and-shutdown.e2e-spec.ts checks that in a child
 * process. Own queue prefix (under the run's, so teardown cleans it): processors registered here must
 * not take jobs that suites running at the same time are waiting for.
 */
const roleEnv = (role: string) => ({
  APP_ROLE: role,
  ADMIN_API_KEY: ADMIN_KEY,
  QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:roles-${role}`,
});

describe('worker role (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(roleEnv('worker'));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers health probes', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    // Ready once its Redis client has connected (in the background at boot).
    await eventually(
      'the worker to be ready',
      async () => (await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200,
    );
  });

  it.each([
    ['GET', '/admin/pages'],
    ['POST', '/webhook'],
    ['GET', '/webhook?hub.mode=subscribe'],
    ['GET', '/docs'],
  ])('answers 404 to %s %s, even with a valid admin key', async (method, url) => {
    const res = await t.app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: method === 'POST' ? {} : undefined,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'This is a worker process' });
  });
});

describe('web role (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(roleEnv('web'));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the API', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/anything',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).not.toBe('This is a worker process');
    expect((await t.app.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(200);
  });
});
