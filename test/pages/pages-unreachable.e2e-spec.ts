import { createServer } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app';
import { AdminClient, createOwnDatabase } from './pages-support';
import { ownAppEnv } from './pages-support';

/** A port nothing listens on: Graph API calls fail to connect. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const TOKEN = 'EAAUnreachableGraphPageToken0123456789abcdef';

describe('Pages admin API without a reachable Graph API (e2e)', () => {
  let db: Awaited<ReturnType<typeof createOwnDatabase>>;
  let t: TestApp;
  const admin = new AdminClient(() => t);

  beforeAll(async () => {
    db = await createOwnDatabase('pages_unreachable');
    t = await startTestApp({
      ...ownAppEnv(db.url, 'pages_unreachable'),
      GRAPH_API_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
      GRAPH_API_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers 502 when registering while Facebook cannot be reached, and stores nothing', async () => {
    const res = await admin.call('POST', '/admin/pages', { accessToken: TOKEN });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ statusCode: 502, code: 'graph_unavailable' });
    const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM pages');
    expect(rows[0].n).toBe(0);
  });

  it('answers 502 for an import too', async () => {
    const res = await admin.call('POST', '/admin/pages/import', { userAccessToken: TOKEN });
    expect(res.status).toBe(502);
  });

  it('lists no Pages and answers 404 page_not_found for an unknown one', async () => {
    expect(await admin.call('GET', '/admin/pages')).toEqual({
      status: 200,
      body: { items: [], nextCursor: null },
    });
    for (const url of ['/admin/pages/123', '/admin/pages/123/health', '/admin/pages/123/profile']) {
      const res = await admin.call('GET', url);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('page_not_found');
    }
    expect((await admin.call('DELETE', '/admin/pages/123')).status).toBe(404);
    expect((await admin.call('PATCH', '/admin/pages/123', { name: 'x' })).status).toBe(404);
    expect((await admin.call('POST', '/admin/pages/123/subscription')).status).toBe(404);
  });

  it('answers 400 naming the fields of a bad body, before calling Facebook', async () => {
    const cases: Array<[string, string, unknown, string[]]> = [
      ['POST', '/admin/pages', {}, ['accessToken']],
      [
        'POST',
        '/admin/pages',
        { accessToken: TOKEN, pageId: 'abc', subscribe: 'yes' },
        ['pageId', 'subscribe'],
      ],
      [
        'POST',
        '/admin/pages',
        { accessToken: TOKEN, subscribedFields: ['messages', 'feed'] },
        ['subscribedFields'],
      ],
      ['POST', '/admin/pages', { accessToken: TOKEN, extra: 1 }, ['extra']],
      ['POST', '/admin/pages/import', { userAccessToken: TOKEN, pageIds: ['12', 'x'] }, ['pageIds']],
      ['GET', '/admin/pages?status=gone&limit=0', undefined, ['status', 'limit']],
      ['PATCH', '/admin/pages/123', { status: 'removed', bot: 'no spaces' }, ['status', 'bot']],
      ['GET', '/admin/pages/not-a-page', undefined, ['pageId']],
      [
        'PUT',
        '/admin/pages/123/profile',
        {
          get_started: {},
          greeting: [{ locale: 'english', text: 'hi' }],
          persistent_menu: [
            {
              locale: 'default',
              call_to_actions: [{ type: 'web_url', title: 'Site', url: 'http://x.example' }],
            },
          ],
          whitelisted_domains: ['http://shop.example.com'],
        },
        [
          'get_started.payload',
          'greeting.0.locale',
          'persistent_menu.0.call_to_actions.0.url',
          'whitelisted_domains',
        ],
      ],
    ];
    for (const [method, url, payload, fields] of cases) {
      const res = await admin.call(method as 'GET', url, payload);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.fields).toEqual(expect.arrayContaining(fields));
    }
  });

  it('documents every Pages route in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/admin/pages']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/admin/pages/{pageId}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(paths['/admin/pages/{pageId}/profile']).sort()).toEqual(['get', 'put']);
    for (const path of [
      '/admin/pages/import',
      '/admin/pages/{pageId}/subscription',
      '/admin/pages/{pageId}/health',
    ]) {
      expect(paths[path]).toBeDefined();
    }
  });
});
