import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ServiceUnavailableError } from '../errors/domain-error';
import { reasonPhrase, type ErrorBody } from './error-body';

/** Maps domain errors, Nest HTTP exceptions and Fastify errors to `{ statusCode, error, message, code? }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    if (exception instanceof ServiceUnavailableError) {
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    }
    if (body.statusCode >= 500) {
      // Only the error's class and stack: messages of unexpected errors may quote inputs.
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error({ err: { type: err.name, stack: err.stack } }, 'Request failed');
    }
    void reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        ...exception.details,
        statusCode: exception.status,
        error: reasonPhrase(exception.status),
        message: exception.message,
        code: exception.code,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fields = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const message = fields.message ?? (typeof response === 'string' ? response : exception.message);
      return {
        ...fields,
        statusCode: status,
        error: reasonPhrase(status),
        message: message as string | string[],
      };
    }
    // Fastify's own errors (body too large, bad JSON, bad content type) carry a statusCode.
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return {
        statusCode: fastifyStatus,
        error: reasonPhrase(fastifyStatus),
        message: (exception as Error).message,
        code: (exception as { code?: string }).code,
      };
    }
    return { statusCode: 500, error: reasonPhrase(500), message: 'Internal server error' };
  }
}
