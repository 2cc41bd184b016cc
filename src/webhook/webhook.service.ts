import { Injectable, Logger } from '@nestjs/common';
import { InboxService } from '../inbox/inbox.service';
import { InboxUnavailableError } from '../inbox/inbox.errors';
import { readWebhookBody } from './webhook-envelope';
import { WebhookErrorAlerter } from './webhook-error-alerter';
import { WebhookMetrics } from './webhook.metrics';
import { InvalidWebhookBodyError } from './webhook.errors';

/**
 * The webhook's ack path: read the verified body, write every event to the inbox in one statement,
 * wake the new rows. No Page lookup, no handler code, no Graph call: Facebook waits at most 20 s.
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);

  constructor(
    private readonly inbox: InboxService,
    private readonly metrics: WebhookMetrics,
    private readonly errors: WebhookErrorAlerter,
  ) {}

  async ingest(raw: Buffer): Promise<void> {
    this.metrics.acceptedRequests++;
    let body: ReturnType<typeof readWebhookBody>;
    try {
      body = readWebhookBody(raw);
    } catch (error) {
      if (error instanceof InvalidWebhookBodyError) this.metrics.invalidBodies++;
      throw error;
    }
    if (body.kind === 'ignored') {
      this.metrics.ignoredObjects++;
      this.logger.debug({ object: body.object }, 'Ignored webhook for another object');
      return;
    }
    const { events, duplicatesInBody } = body;
    this.metrics.eventsReceived += events.length + duplicatesInBody;
    let recorded: Awaited<ReturnType<InboxService['record']>>;
    try {
      recorded = await this.inbox.record(events);
    } catch (error) {
      this.metrics.storeFailures++;
      this.errors.failed(error instanceof InboxUnavailableError ? error.code : 'internal_error');
      throw error;
    }
    this.errors.succeeded();
    const stored = recorded.insertedIds.length;
    this.metrics.eventsStored += stored;
    this.metrics.eventsDuplicate += events.length - stored + duplicatesInBody;
    if (!recorded.woken) this.metrics.wakeupFailures++;
  }
}
