import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { alertsConfig, type AlertsConfig } from '../config/alerts.config';
import type { SlackMessage } from './alert-message';

/** A delivery the webhook did not accept; the job fails and Bull retries it. Never names the URL. */
export class AlertSinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertSinkError';
  }
}

/**
 * The one class that talks to the alert webhook (Slack or anything accepting `{ text, blocks }`).
 * The URL is a secret (Slack puts the credential in the path): it never appears in errors or logs.
 */
@Injectable()
export class SlackWebhookSink implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(alertsConfig.KEY) private readonly config: AlertsConfig) {
    this.agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: config.webhookTimeoutMs } });
  }

  get enabled(): boolean {
    return this.config.webhookUrl !== null;
  }

  /** Resolves on a 2xx answer; throws AlertSinkError on any other answer, a timeout or a network error. */
  async post(message: SlackMessage): Promise<void> {
    const url = this.config.webhookUrl;
    if (url === null) return;
    const timeoutMs = this.config.webhookTimeoutMs;
    let statusCode: number;
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = response.statusCode;
      await response.body.dump();
    } catch (error) {
      throw new AlertSinkError(`Alert webhook failed: ${reason(error, timeoutMs)}`);
    }
    if (statusCode < 200 || statusCode >= 300) {
      throw new AlertSinkError(`Alert webhook answered HTTP ${statusCode}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** Only the error's code or kind: undici messages can quote the target. */
function reason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || /TIMEOUT/.test(e?.code ?? '')) {
    return `no answer within ${timeoutMs} ms`;
  }
  return e?.code ?? e?.name ?? 'unknown error';
}
