import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { reasonPhrase } from '../http/error-body';
import { AUDIENCE_CONFIG_KEY, ROUTE_AUDIENCES, type RouteAudience } from './audience';
import type { ApiKeyAuthenticator } from './api-key-authenticator';
import { sendAuthFailure } from './auth-failure';

export interface RegisteredRoute {
  method: string;
  /** The pattern the route was registered with (`/admin/pages/:pageId`), never a request's URL. */
  url: string;
  audience: RouteAudience | undefined;
}

export interface RouteAuthOptions {
  /** Routes registered outside Nest's controllers under these prefixes (the OpenAPI page) are public. */
  publicPrefixes: readonly string[];
  /** A worker serves only the routes under these prefixes (health probes); the rest answer 404. */
  onlyPrefixes?: readonly string[];
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on the app, with its declared audience (for the route-enumeration test). */
export function registeredRoutes(fastify: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(fastify) ?? [];
}

const underPrefix = (url: string, prefix: string): boolean =>
  url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}-`);

function audienceOf(config: unknown): RouteAudience | undefined {
  const value = (config as Record<string, unknown> | undefined)?.[AUDIENCE_CONFIG_KEY];
  return ROUTE_AUDIENCES.includes(value as RouteAudience) ? (value as RouteAudience) : undefined;
}

/**
 * Authorization decided from the route the router matched: Fastify runs `onRequest` after routing,
 * so `request.routeOptions.config` is the matched route's declared audience, whatever spelling of
 * the path reached it. A route without a declared audience is refused (default deny), and an
 * unmatched path gets the not-found answer (it reaches no handler). Runs before the body is read.
 * Must be registered before any route (Nest registers its routes at `app.init()`).
 */
export function registerRouteAuth(
  fastify: FastifyInstance,
  authenticator: ApiKeyAuthenticator,
  options: RouteAuthOptions,
): void {
  const logger = new Logger('RouteAuth');
  const routes: RegisteredRoute[] = [];
  registered.set(fastify, routes);

  fastify.addHook('onRoute', (route) => {
    if (audienceOf(route.config) === undefined && options.publicPrefixes.some((p) => underPrefix(route.url, p))) {
      route.config = { ...(route.config ?? {}), [AUDIENCE_CONFIG_KEY]: 'public' };
    }
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, audience: audienceOf(route.config) });
    }
  });

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const pattern = request.is404 ? '' : (request.routeOptions.url ?? '');
    if (options.onlyPrefixes && !options.onlyPrefixes.some((p) => underPrefix(pattern, p))) {
      return reply.status(404).send({ statusCode: 404, error: reasonPhrase(404), message: 'This is a worker process' });
    }
    if (request.is404) return;
    const audience = audienceOf(request.routeOptions.config);
    if (audience === 'public') return;
    if (audience === undefined) {
      logger.error({ method: request.method, route: pattern }, 'Route declares no audience: refused');
      return reply.status(403).send({
        statusCode: 403,
        error: reasonPhrase(403),
        message: 'This route is not open to any caller',
        code: 'route_audience_undeclared',
      });
    }
    const outcome = await authenticator.authenticate(audience, request.headers.authorization, request.ip);
    if (!outcome.ok) return sendAuthFailure(reply, outcome);
  });
}
