import type { SendCollector } from '../bot-sdk/handler-context.factory';
import type { UserEventRecord } from '../conversations/conversations.service';
import type { StageHints, StagedRow } from '../send/send.service';

/**
 * What handling one batch of a conversation's events produces before it is committed: the people's
 * actions (for the conversation state) and the staged replies. Everything here is written in one
 * transaction with the events' outcomes, so a batch is handled, and its replies queued, all or not at
 * all. A handler that throws loses only its own event's replies (they are staged again, with the
 * same idempotency keys, when the event is retried).
 */
export class InboundBatch implements SendCollector {
  readonly userEvents: UserEventRecord[] = [];
  private readonly kept: StagedRow[] = [];
  private current: StagedRow[] = [];
  private readonly windowOpened = new Map<string, Date>();

  /** A person's action, recorded whether or not its handler succeeds (it happened). */
  recordUserEvent(record: UserEventRecord): void {
    this.userEvents.push(record);
    if (!record.opensWindow) return;
    const seen = this.windowOpened.get(record.psid);
    if (!seen || record.at > seen) this.windowOpened.set(record.psid, record.at);
  }

  /** For the window check of a reply: the person may have just opened it in this batch. */
  readonly windowOpenedAt: NonNullable<StageHints['windowOpenedAt']> = (psid) => this.windowOpened.get(psid);

  stage(row: StagedRow): void {
    this.current.push(row);
  }

  /** The current event's handler returned: its replies go out with the batch. */
  keepEvent(): void {
    this.kept.push(...this.current);
    this.current = [];
  }

  /** The current event's handler threw: its replies are dropped. */
  dropEvent(): void {
    this.current = [];
  }

  get staged(): readonly StagedRow[] {
    return this.kept;
  }
}
