import type { FastifyInstance } from 'fastify';
import type { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { sendAuthFailure } from './auth-failure';

/**
 * Everything under /admin needs `Authorization: Bearer <ADMIN_API_KEY>`. A Fastify hook rather than a
 * Nest guard so that no admin route can be added unprotected and unknown /admin paths answer 401, not
 * 404 (which would let a caller map the API without a key).
 */
export function registerAdminAuth(fastify: FastifyInstance, authenticator: ApiKeyAuthenticator): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (path !== '/admin' && !path.startsWith('/admin/')) return;
    const outcome = await authenticator.authenticate('admin', request.headers.authorization, request.ip);
    if (!outcome.ok) return sendAuthFailure(reply, outcome);
  });
}
