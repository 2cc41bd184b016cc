import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { redactText } from './redact';

/**
 * Nest's console logger with every line redacted. It prints what is logged before the JSON logger
 * takes over, above all the error that stops a boot: Nest prints that error with util.inspect, and a
 * URL parse error carries the whole URL (`input: 'redis://:password@...'`).
 */
export class RedactingConsoleLogger extends ConsoleLogger {
  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
  ): string {
    return redactText(
      super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, contextMessage, timestampDiff),
    );
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(stack && redactText(stack));
  }
}
