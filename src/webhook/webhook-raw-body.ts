import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonTooDeep } from '../common/http/json-depth';

/** Route config flag (`@RouteConfig({ [RAW_BODY_ROUTE]: true })`): the JSON body stays raw bytes. */
export const RAW_BODY_ROUTE = 'keepRawJsonBody';

type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * Replaces Nest's `application/json` parser with one that behaves the same (keeps `rawBody`, parses
 * with Fastify's safe parser, and refuses JSON nested too deep with 400) except on routes flagged
 * RAW_BODY_ROUTE, whose body is left as the raw Buffer (the webhook checks depth after the signature). Fastify parses before guards run, so without this a forged body that is also bad JSON would
 * get 400 instead of 401: the webhook verifies the signature first and parses after.
 * Must run after Nest registered its parsers and before Fastify is ready (a module's onModuleInit).
 */
export function keepRawJsonBodyOnFlaggedRoutes(fastify: FastifyInstance, bodyLimit: number): void {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig as {
    onProtoPoisoning?: 'error' | 'remove' | 'ignore';
    onConstructorPoisoning?: 'error' | 'remove' | 'ignore';
  };
  const parseJson = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: RequestWithRawBody, body: Buffer, done) => {
      request.rawBody = body;
      const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
      if (config?.[RAW_BODY_ROUTE] === true) {
        done(null, body);
        return;
      }
      if (jsonTooDeep(body)) {
        // A Fastify-style error (statusCode, code): it is answered before any Nest code runs.
        done(Object.assign(new Error('Body is nested too deeply'), { statusCode: 400, code: 'json_too_deep' }), undefined);
        return;
      }
      // Fastify's parser takes the Buffer too (Nest passes it the same way).
      void parseJson(request, body as unknown as string, done);
    },
  );
}
