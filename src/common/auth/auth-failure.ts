import type { FastifyReply } from 'fastify';
import { reasonPhrase } from '../http/error-body';
import type { AuthOutcome } from './api-key-authenticator';

/** Writes the 401/429 answer of a failed authentication in the API's error shape. */
export function sendAuthFailure(reply: FastifyReply, outcome: Exclude<AuthOutcome, { ok: true }>): FastifyReply {
  if (outcome.status === 429) {
    return reply
      .status(429)
      .header('Retry-After', String(outcome.retryAfterSeconds ?? 60))
      .send({
        statusCode: 429,
        error: reasonPhrase(429),
        message: 'Too many failed authentication attempts from this address; try again later',
        code: 'auth_locked_out',
      });
  }
  return reply.status(401).header('WWW-Authenticate', 'Bearer').send({
    statusCode: 401,
    error: reasonPhrase(401),
    message: 'A valid API key is required: Authorization: Bearer <key>',
    code: 'unauthorized',
  });
}
