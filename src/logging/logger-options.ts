import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app.config';
import { redactSecrets, redactText } from './redact';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildLoggerOptions(app: AppConfig, stream?: DestinationStream): Params {
  const options: LoggerOptions = {
    level: app.logLevel,
    base: { role: app.role },
    // Every field, message and URL passes through the redactor before it is written.
    formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url && redactText(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    transport:
      !stream && app.nodeEnv === 'development'
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
  };
  return {
    pinoHttp: [
      {
        ...options,
        genReqId: (req: IncomingMessage, res: ServerResponse) => {
          const given = req.headers['x-request-id'];
          const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
        // Health probes every few seconds would drown everything else.
        autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
      },
      stream as DestinationStream,
    ].filter(Boolean) as Params['pinoHttp'],
  };
}
