import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino, { type Level, type LoggerOptions } from 'pino';
import { loadAppConfig } from '../config/app.config';
import { buildLoggerOptions } from './logger-options';

/** A pino logger built exactly as the application builds it, writing into `lines`. */
function appLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const params = buildLoggerOptions(loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' }), stream);
  const [options] = params.pinoHttp as [LoggerOptions, unknown];
  return pino(options, stream);
}

describe(buildLoggerOptions.name, () => {
  it('writes no URL password, in a field, a nested value, an error or the message', async () => {
    const lines: string[] = [];
    const logger = appLogger(lines);
    logger.info({ redisUrl: 'redis://:field-secret@cache:6379', nested: { urls: ['postgres://app:nested-secret@db/hub'] } }, 'boot');
    logger.error({ err: new Error('cannot reach rediss://default:error-secret@cache:6380') }, 'Redis down');
    logger.warn('connecting to postgres://app:message-secret@db:5432/hub');
    await new Promise((resolve) => setImmediate(resolve));
    const output = lines.join('\n');
    expect(lines).toHaveLength(3);
    expect(output).not.toMatch(/field-secret|nested-secret|error-secret|message-secret/);
    expect(output).toContain('postgres://app:[REDACTED]@db:5432/hub');
  });

  it('writes [Truncated] for objects nested past the redaction depth', async () => {
    const lines: string[] = [];
    let deep: Record<string, unknown> = { password: 'deep-secret' };
    for (let i = 0; i < 12; i++) deep = { level: deep };
    appLogger(lines).info({ deep }, 'deep');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).not.toContain('deep-secret');
    expect(lines[0]).toContain('"[Truncated]"');
  });
});

describe('request log level', () => {
  const [options] = buildLoggerOptions(loadAppConfig({ NODE_ENV: 'production', LOG_LEVEL: 'info' }))
    .pinoHttp as [{ customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error) => Level }];
  const levelOf = (method: string, url: string, statusCode: number, error?: Error) =>
    options.customLogLevel({ method, url } as IncomingMessage, { statusCode } as ServerResponse, error);

  it('logs a delivered webhook at debug: an info line per delivery would double its cost', () => {
    expect(levelOf('POST', '/webhook', 200)).toBe('debug');
  });

  it('keeps the failures of the webhook, and every other request, at their levels', () => {
    expect(levelOf('POST', '/webhook', 503)).toBe('error');
    expect(levelOf('POST', '/webhook', 200, new Error('boom'))).toBe('error');
    expect(levelOf('POST', '/webhook', 401)).toBe('info');
    expect(levelOf('GET', '/webhook?hub.mode=subscribe', 200)).toBe('info');
    expect(levelOf('POST', '/webhooks', 200)).toBe('info');
    expect(levelOf('GET', '/admin/pages', 200)).toBe('info');
  });
});
