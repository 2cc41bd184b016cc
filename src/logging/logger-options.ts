import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, Level, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app.config';
import { redactSecrets, redactText } from './redact';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const HEALTH_PATH = /^\/health(\/|\?|$)/;
const WEBHOOK_PATH = /^\/webhook(\?|$)/;

/**
 * The request id: the caller's `X-Request-Id` when it is a sane token (so a load balancer's id follows
 * the request), otherwise a new UUID. Fastify's `genReqId`: the request logger takes the same id.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The path as the client sent it (middleware sees `url` relative to its mount point). */
const requestPath = (req: IncomingMessage): string =>
  (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';

/** pino-pretty is a dev dependency: an image built without them logs JSON even in development. */
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

interface SerializedRes {
  statusCode: number | null;
  raw?: ServerResponse;
}

/**
 * Facebook's deliveries are the bulk of all requests, and an info line for each about doubled the
 * CPU a delivery costs (measured: 0.25 -> 0.53 ms). A delivered webhook logs at debug; its failures
 * keep their error line, and a rejected signature its warning.
 */
function requestLevel(req: IncomingMessage, res: ServerResponse): Level {
  return res.statusCode < 400 && req.method === 'POST' && WEBHOOK_PATH.test(requestPath(req))
    ? 'debug'
    : 'info';
}

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
      // pino reports null until it sees `headersSent`, which Fastify's injected (and some aborted)
      // responses never set; the raw response knows the status in every case.
      res: (res: SerializedRes) => ({ statusCode: res.statusCode ?? res.raw?.statusCode ?? null }),
    },
    transport:
      !stream && app.nodeEnv === 'development' && prettyPrinterInstalled()
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
  };
  return {
    pinoHttp: [
      {
        ...options,
        // Fastify assigns the id (requestIdFor) before any middleware runs, and pino-http keeps it.
        customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error): Level =>
          error || res.statusCode >= 500 ? 'error' : requestLevel(req, res),
        // Health probes every few seconds would drown everything else.
        autoLogging: { ignore: (req: IncomingMessage) => HEALTH_PATH.test(requestPath(req)) },
      },
      stream as DestinationStream,
    ].filter(Boolean) as Params['pinoHttp'],
  };
}
