import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory';
import { loadAppConfig } from './config/app.config';
import { configurationProblems } from './config/all-configs';
import { ConfigValidationError } from './config/validate-env';
import { redactText } from './logging/redact';
import { RedactingConsoleLogger } from './logging/redacting-console-logger';

/** Validates every config area up front so one run names every bad variable, then exits 1. */
function checkConfiguration(): void {
  const problems = configurationProblems();
  if (problems.length > 0) {
    process.stderr.write(`${new ConfigValidationError(problems).message}\nSee .env.example for every variable.\n`);
    process.exit(1);
  }
}

/**
 * SIGTERM/SIGINT: stop accepting connections and let in-flight requests finish while every pool is
 * still open, then run Nest's shutdown (queues wait for their active jobs, then pools and Redis
 * connections close) and exit 0. A shutdown stuck longer than SHUTDOWN_TIMEOUT_MS exits 1.
 */
function stopGracefullyOn(signals: NodeJS.Signals[], app: NestFastifyApplication, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const logger = new Logger('Shutdown');
    logger.log(`${signal} received: finishing in-flight requests and jobs`);
    setTimeout(() => {
      logger.error(`Still stopping after ${timeoutMs} ms: exiting anyway`);
      process.exit(1);
    }, timeoutMs).unref();
    // The HTTP server first: Nest's own close() runs module destroy hooks before it stops the server.
    const shutdown = async () => {
      await app.getHttpAdapter().getInstance().close();
      await app.close();
    };
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error)?.message}`, (error as Error)?.stack);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, stop);
}

async function bootstrap(): Promise<void> {
  checkConfiguration();
  // Until the JSON logger takes over (and when the boot fails before it does), Nest prints with this.
  Logger.overrideLogger(new RedactingConsoleLogger());
  const config = loadAppConfig();
  const app = await createApp();
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app, config.shutdownTimeoutMs);
  await app.listen({ port: config.port, host: '0.0.0.0' });
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    // A connection error may quote DATABASE_URL or REDIS_URL.
    process.stderr.write(`messenger-hub failed to start: ${redactText((error as Error)?.stack ?? String(error))}\n`);
  }
  process.exit(1);
});
