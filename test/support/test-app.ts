import { basename } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import type { AppModuleOptions } from '../../src/app.module';

export interface TestApp {
  app: NestFastifyApplication;
  /** Every log line the app wrote (JSON), for asserting that no secret is ever logged. */
  logs: string[];
  close(): Promise<void>;
}

/** Captures log lines in memory instead of stdout. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/**
 * Boots the real application (Fastify, real Postgres and Redis from the run's global setup) with
 * extra environment variables for this app only (given to the app, never written to process.env).
 * Call `close()` in afterAll.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: Pick<AppModuleOptions, 'imports'> = {},
): Promise<TestApp> {
  // Test files run in parallel: each gets its own queue prefix so one file's workers never take
  // another file's jobs. Apps of one file share it (a file may run several instances on purpose).
  const testFile = basename(expect.getState().testPath ?? 'unknown').replace(/\W+/g, '-');
  // The app is configured from this object alone: process.env is left as it is.
  const appEnv = { ...process.env, QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${testFile}`, ...env };
  const capture = new LogCapture();
  const app = await createApp({ ...options, env: appEnv, logStream: capture });
  await app.init();
  // bufferLogs holds `new Logger(...)` lines until listen(), which tests never call: flush now so
  // every module's log lines reach the capture.
  app.flushLogs();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    logs: capture.lines,
    close: () => app.close(),
  };
}
