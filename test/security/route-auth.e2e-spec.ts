import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  type NestInterceptor,
  Post,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { Audience } from '../../src/common/auth/audience';
import { registeredRoutes, type RegisteredRoute } from '../../src/common/auth/route-auth.hook';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'e2e-route-auth-admin-key-0123456789-abcdef';
const SITE_KEY = 'e2e-route-auth-site-key-0123456789-abcdefgh';

/** Every request that reached a Nest handler, by request id. */
const reached = new Set<string>();

@Injectable()
class HandlerReached implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    reached.add(context.switchToHttp().getRequest<FastifyRequest>().id);
    return next.handle();
  }
}

/** Stands in for the site (account-linking) API: the same audience, so the same checks apply. */
@Audience('site')
@Controller('account-linking/probe')
class SiteProbeController {
  @Get(':userId')
  read() {
    return { ok: true };
  }

  @Post()
  write() {
    return { ok: true };
  }
}

/** A route someone forgot to declare. */
@Controller('undeclared')
class UndeclaredController {
  @Get()
  read() {
    return { ok: true };
  }
}

@Module({
  controllers: [SiteProbeController, UndeclaredController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: HandlerReached }],
})
class ProbeModule {}

const PUBLIC_PREFIXES = ['/webhook', '/health', '/docs'];

/** A request path for a route pattern: every parameter gets a plausible value. */
const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, '1234').replace(/\*$/, 'x');

const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** The spellings an attacker tries so that a prefix check and the router disagree. */
function spellings(path: string): Array<[string, string]> {
  const [, first, ...rest] = path.split('/');
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  const at = Math.min(3, first.length - 1);
  return [
    ['canonical', path],
    ['first letter percent-encoded', `/${hex(first[0])}${first.slice(1)}${tail}`],
    ['inner letter percent-encoded', `/${first.slice(0, at)}${hex(first[at])}${first.slice(at + 1)}${tail}`],
    ['upper case, encoded', `/${hex(first[0].toUpperCase())}${first.slice(1).toUpperCase()}${tail}`],
    ['double slash', `/${path}`],
    ['dot segment in front', `/.${path}`],
    ['dot segment at the end', `${path}/.`],
    ['parent segment', `/x/..${path}`],
    ['trailing slash', `${path}/`],
    ['path parameter', `/${first};a=b${tail}`],
    ['path parameter at the end', `${path};a=b`],
    ['double encoding', `/%25${hex(first[0]).slice(1)}${first.slice(1)}${tail}`],
    ['encoded slash', `/${first}${tail.replace('/', '%2F')}`],
    ['upper case', path.toUpperCase()],
  ];
}

describe('authorization by matched route (e2e)', () => {
  let t: TestApp;
  let routes: readonly RegisteredRoute[];

  beforeAll(async () => {
    t = await startTestApp(
      { ADMIN_API_KEY: ADMIN_KEY, SITE_API_KEY: SITE_KEY, AUTH_FAILURE_LIMIT: '100000' },
      { imports: [ProbeModule] },
    );
    routes = registeredRoutes(t.app.getHttpAdapter().getInstance());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('knows every route of the app, and every route but the probe declares an audience', () => {
    expect(routes.length).toBeGreaterThan(30);
    const undeclared = routes.filter((r) => r.audience === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual(['GET /undeclared', 'HEAD /undeclared']);
  });

  it('keeps public routes to the webhook, health and the OpenAPI page', () => {
    const publicRoutes = routes.filter((r) => r.audience === 'public');
    expect(publicRoutes.map((r) => r.url)).toEqual(
      expect.arrayContaining(['/webhook', '/health/live', '/health/ready', '/docs']),
    );
    for (const route of publicRoutes) {
      expect(
        PUBLIC_PREFIXES.some(
          (p) => route.url === p || route.url.startsWith(`${p}/`) || route.url.startsWith(`${p}-`),
        ),
      ).toBe(true);
    }
  });

  it('covers the admin API and the site API', () => {
    expect(routes.some((r) => r.audience === 'admin' && r.url.startsWith('/admin/pages'))).toBe(true);
    expect(routes.filter((r) => r.audience === 'site').map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['GET /account-linking/probe/:userId', 'POST /account-linking/probe']),
    );
  });

  it('answers 401 without a key on every non-public route, under every spelling of its path, and reaches no handler', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes.filter((r) => r.audience === 'admin' || r.audience === 'site')) {
      for (const [spelling, url] of spellings(concrete(route.url))) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          payload: ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined,
        });
        checked++;
        const ok =
          spelling === 'canonical' ? res.statusCode === 401 : res.statusCode >= 400 && res.statusCode !== 500;
        if (!ok || reached.has(String(res.headers['x-request-id']))) {
          failures.push(`${route.method} ${url} (${spelling}) -> ${res.statusCode}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
    expect(failures).toEqual([]);
  });

  it('lets the matched route decide: an encoded spelling that the router decodes still needs the key', async () => {
    const noKey = await t.app.inject({ method: 'GET', url: '/%61dmin/pages' });
    expect(noKey.statusCode).toBe(401);
    const withKey = await t.app.inject({
      method: 'GET',
      url: '/%61dmin/pages',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(withKey.statusCode).toBe(200);
  });

  it('does not accept one audience key for another', async () => {
    const siteKeyOnAdmin = await t.app.inject({
      method: 'GET',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${SITE_KEY}` },
    });
    expect(siteKeyOnAdmin.statusCode).toBe(401);
    const adminKeyOnSite = await t.app.inject({
      method: 'GET',
      url: '/account-linking/probe/1',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(adminKeyOnSite.statusCode).toBe(401);
    const siteKeyOnSite = await t.app.inject({
      method: 'GET',
      url: '/account-linking/probe/1',
      headers: { authorization: `Bearer ${SITE_KEY}` },
    });
    expect(siteKeyOnSite.statusCode).toBe(200);
  });

  it('refuses a route that declares no audience, whatever key is presented', async () => {
    for (const key of [undefined, ADMIN_KEY, SITE_KEY]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/undeclared',
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'route_audience_undeclared' });
      expect(reached.has(String(res.headers['x-request-id']))).toBe(false);
    }
  });

  it('answers 404 to an unknown path, with or without a key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/admin/nothing-here' })).statusCode).toBe(404);
  });
});
