import { PATH_METADATA } from '@nestjs/common/constants';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

/**
 * Who may call a route: anyone (`public`: the webhook, health, docs), the operator (`admin`: the
 * `ADMIN_API_KEY`), or the operator's site (`site`: the `SITE_API_KEY`). Every route declares one;
 * the auth hook refuses a route that declares none.
 */
export type RouteAudience = 'public' | 'admin' | 'site';
export const ROUTE_AUDIENCES: readonly RouteAudience[] = ['public', 'admin', 'site'];

/** The key of the audience in Fastify's route config, where the auth hook reads it. */
export const AUDIENCE_CONFIG_KEY = 'audience';

type RouteConfig = Record<string, unknown>;

function withAudience(handler: object, audience: RouteAudience, override: boolean): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as RouteConfig | undefined) ?? {};
  if (!override && config[AUDIENCE_CONFIG_KEY] !== undefined) return;
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [AUDIENCE_CONFIG_KEY]: audience }, handler);
}

/**
 * Declares the audience of a controller (every route of it) or of one route (overrides the
 * controller's). It is written into the route's Fastify config, so the decision is made from the
 * route the router matched, never from the URL string. On a method, put it below `@RouteConfig(...)`
 * (which replaces the whole config); on the class it always merges.
 */
export function Audience(audience: RouteAudience): ClassDecorator & MethodDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      withAudience(descriptor.value as object, audience, true);
      return descriptor;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler)) {
        withAudience(handler, audience, false);
      }
    }
  }) as ClassDecorator & MethodDecorator;
}
