import { type DynamicModule, Module } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { appConfig, type AppConfig } from '../config/app.config';
import { buildLoggerOptions } from './logger-options';

/**
 * nestjs-pino builds one pino-http instance per process on first use and reuses it for every later
 * application, so a second app in the same process (tests boot several) would log with the first
 * one's level and role, into the first one's stream. Forget it before an app is built: a no-op in a
 * process that runs one app. The reset is internal to nestjs-pino (its package exports hide it).
 */
function forgetPreviousRootLogger(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const internal = require(join(dirname(require.resolve('nestjs-pino')), 'rootLogger.js')) as {
      resetRootLogger?: () => void;
    };
    internal.resetRootLogger?.();
  } catch {
    // A nestjs-pino without that file: only processes with several apps would notice.
  }
}

@Module({})
export class LoggingModule {
  /** `stream` lets tests capture every log line to assert that no secret is written. */
  static forRoot(stream?: DestinationStream): DynamicModule {
    forgetPreviousRootLogger();
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [appConfig.KEY],
          useFactory: (app: AppConfig) => buildLoggerOptions(app, stream),
        }),
      ],
    };
  }
}
