import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { sendAuthFailure } from './auth-failure';

/** `Authorization: Bearer <SITE_API_KEY>` for the operator's site (server-to-server calls). */
@Injectable()
export class SiteApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const outcome = await this.authenticator.authenticate('site', request.headers.authorization, request.ip);
    if (outcome.ok) return true;
    sendAuthFailure(context.switchToHttp().getResponse<FastifyReply>(), outcome);
    return false;
  }
}
