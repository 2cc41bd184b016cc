import { Injectable } from '@nestjs/common';
import { PagesService } from '../pages/pages.service';
import { MessageList, type MessageView, toMessageView } from './dto/message.view';
import type { OutboundStatus } from './outbound-message.entity';
import { OutboxRepository } from './outbox.repository';
import { MessageNotFoundError, MessageStatusConflictError } from './send.errors';
import { SendScheduler } from './send-scheduler';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MessageQuery {
  pageId?: string;
  status?: OutboundStatus;
  recipient?: string;
  cursor?: string;
  limit: number;
}

/** What operators do with outbox messages: look, retry a failed or held one, cancel a waiting one. */
@Injectable()
export class OutboxAdminService {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly scheduler: SendScheduler,
    private readonly pages: PagesService,
  ) {}

  async get(id: string): Promise<MessageView> {
    const message = UUID.test(id) ? await this.outbox.findById(id) : null;
    if (!message) throw new MessageNotFoundError(id);
    return toMessageView(message);
  }

  async list(query: MessageQuery): Promise<MessageList> {
    if (query.pageId !== undefined) await this.pages.findById(query.pageId);
    const recipientKey =
      query.recipient === undefined
        ? undefined
        : query.recipient.includes(':')
          ? query.recipient
          : `psid:${query.recipient}`;
    const rows = await this.outbox.list({
      pageId: query.pageId,
      status: query.status,
      recipientKey,
      beforeSeq: query.cursor,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    return {
      items: items.map(toMessageView),
      nextCursor: rows.length > query.limit ? items[items.length - 1].seq : null,
    };
  }

  /**
   * A failed message goes to the back of its lane with a fresh set of attempts; a held one keeps its
   * place (if its Page is still on hold, the processor holds it again).
   */
  async retry(id: string): Promise<MessageView> {
    await this.get(id);
    const queued = await this.outbox.requeueForRetry(id);
    if (!queued) throw await this.conflict(id, 'retry', ['failed', 'held']);
    await this.scheduler.enqueue(queued);
    return toMessageView(queued);
  }

  async cancel(id: string): Promise<MessageView> {
    await this.get(id);
    const cancelled = await this.outbox.cancel(id);
    if (!cancelled) throw await this.conflict(id, 'cancel', ['queued', 'held']);
    await this.scheduler.wakeLane(cancelled.pageId, cancelled.recipientKey);
    return toMessageView(cancelled);
  }

  private async conflict(id: string, action: 'retry' | 'cancel', allowed: OutboundStatus[]): Promise<Error> {
    const current = await this.outbox.findById(id);
    if (!current) return new MessageNotFoundError(id);
    return new MessageStatusConflictError(id, current.status, action, allowed);
  }
}
