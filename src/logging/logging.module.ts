import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { loadAppConfig } from '../config/app.config';
import { buildLoggerOptions } from './logger-options';

@Module({})
export class LoggingModule {
  /** `stream` lets tests capture every log line to assert that no secret is written. */
  static forRoot(stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot(buildLoggerOptions(loadAppConfig(), stream))],
    };
  }
}
