import { Inject, Injectable, Logger } from '@nestjs/common';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { PagesService } from '../pages/pages.service';
import { BotCatalog } from '../bot-sdk/bot-catalog';
import { HandlerContextFactory } from '../bot-sdk/handler-context.factory';
import { HandlerRouter } from '../bot-sdk/handler-router';
import type { ClaimedEvent } from '../inbox/inbox-claims.repository';
import type { InboundBatch } from './inbound-batch';
import { HandlerFailure } from './inbound.errors';
import { opensMessagingWindow, type MessengerEvent } from '../bot-sdk/messenger-event';
import { parseMessengerEvent } from '../bot-sdk/messenger-event.parser';

export type DispatchResult =
  { outcome: 'handled'; handler: string } | { outcome: 'unmatched' } | { outcome: 'ignored'; reason: string };

/**
 * Runs one inbox row through its Page's bot: routing checks, conversation bookkeeping (into the
 * batch), the most specific handler. A throwing handler propagates; the caller owns retries and row states.
 */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);

  constructor(
    private readonly pages: PagesService,
    private readonly catalog: BotCatalog,
    private readonly router: HandlerRouter,
    private readonly contexts: HandlerContextFactory,
    @Inject(messengerConfig.KEY) private readonly messenger: MessengerConfig,
  ) {}

  /** Handles `row` as part of `batch`, which collects what must be committed with its outcome. */
  async dispatch(row: ClaimedEvent, batch: InboundBatch): Promise<DispatchResult> {
    const page = await this.pages.getRouting(row.pageId);
    if (!page) return { outcome: 'ignored', reason: 'unknown_page' };
    // Paused, token_invalid and unsubscribed Pages are still handled: Send holds their messages.
    if (page.status === 'removed') return { outcome: 'ignored', reason: 'page_removed' };

    const event = parseMessengerEvent(row.payload, { standby: row.source === 'standby' });
    if (event.type === 'unknown')
      return { outcome: 'ignored', reason: `unsupported_event:${event.kind ?? 'none'}` };

    // Before the handler: its reply is checked against the 24-hour window this event may open.
    await this.recordConversation(row, event, batch);

    const bot = this.catalog.botFor(page.bot);
    const handler = this.router.route(bot, event);
    if (!handler) {
      this.logger.debug(
        { eventId: row.id, pageId: row.pageId, bot, type: describe(event) },
        'No handler matched',
      );
      return { outcome: 'unmatched' };
    }
    const ctx = await this.contexts.create(
      {
        eventId: row.id,
        attempt: row.attempts,
        replayCount: row.replayCount,
        page: { id: page.pageId, bot, status: page.status },
        event,
        raw: row.payload,
        ownEcho: event.type === 'echo' && event.appId === this.messenger.appId,
      },
      batch,
    );
    try {
      await handler.invoke(event, ctx);
    } catch (error) {
      throw new HandlerFailure(handler.name, error);
    }
    return { outcome: 'handled', handler: handler.name };
  }

  private async recordConversation(
    row: ClaimedEvent,
    event: MessengerEvent,
    batch: InboundBatch,
  ): Promise<void> {
    const at = row.fbTimestamp;
    await this.pages.touchLastEvent(row.pageId, at);
    if (row.psid === null) return;
    const inner = event.type === 'standby' ? event.event : event;
    batch.recordUserEvent({
      pageId: row.pageId,
      psid: row.psid,
      at,
      opensWindow: opensMessagingWindow(inner),
    });
  }
}

function describe(event: MessengerEvent): string {
  return event.type === 'standby' ? `standby:${event.event.type}` : event.type;
}
