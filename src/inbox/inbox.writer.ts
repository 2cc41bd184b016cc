import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';
import type { NewInboundEvent } from './inbound-event.types';
import { InboxUnavailableError, isDatabaseUnavailable } from './inbox.errors';

// One statement for every event of a request, with a fixed number of parameters (arrays + unnest)
// so Postgres plans it once whatever the batch size. Rows come out of unnest in body order, so
// their ids (the tie-breaking sequence) follow the order Facebook sent them in.
const INSERT_SQL = `
  INSERT INTO inbound_events
    (dedup_key, page_id, psid, conversation_key, source, event_type, fb_timestamp, payload)
  SELECT e.dedup_key, e.page_id, e.psid, e.conversation_key, e.source, e.event_type,
         to_timestamp(e.ts_ms / 1000.0), e.payload::jsonb
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[])
    AS e(dedup_key, page_id, psid, conversation_key, source, event_type, ts_ms, payload)
  ON CONFLICT (dedup_key) DO NOTHING
  RETURNING id`;

/**
 * Writes webhook events to the inbox. The seam for group commit: today every call is its own
 * INSERT; batching concurrent requests' rows into one statement would change this class only.
 */
@Injectable()
export class InboxWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
  ) {}

  /**
   * Inserts the events that are not in the inbox yet (by dedup key) and returns the new rows' ids.
   * Throws InboxUnavailableError when Postgres cannot be reached in time; the statement is atomic,
   * so a failure leaves nothing half written.
   */
  async insert(events: readonly NewInboundEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const columns: [string[], string[], (string | null)[], string[], string[], string[], number[], string[]] =
      [[], [], [], [], [], [], [], []];
    for (const e of events) {
      columns[0].push(e.dedupKey);
      columns[1].push(e.pageId);
      columns[2].push(e.psid);
      columns[3].push(e.conversationKey);
      columns[4].push(e.source);
      columns[5].push(e.type);
      columns[6].push(e.fbTimestampMs);
      columns[7].push(e.payloadJson);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const rows = await Promise.race([
        this.insertRetryingDeadlocks(columns),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreTimeout()), this.config.storeTimeoutMs);
        }),
      ]);
      return rows.map((r) => String(r.id));
    } catch (error) {
      if (error instanceof StoreTimeout) throw new InboxUnavailableError('Postgres did not answer in time');
      if (isDatabaseUnavailable(error)) throw new InboxUnavailableError('Postgres is not reachable');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Two concurrent deliveries that share events (Facebook redelivering while the first is still in
   * flight) can lock the same dedup keys in opposite orders; Postgres then aborts one of them. The
   * statement is atomic, so running it again is safe and cheaper than a 503 and a redelivery.
   */
  private async insertRetryingDeadlocks(columns: unknown[]): Promise<Array<{ id: string }>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.query<Array<{ id: string }>>(INSERT_SQL, columns);
      } catch (error) {
        if ((error as { code?: string }).code !== DEADLOCK || attempt >= 3) throw error;
      }
    }
  }
}

class StoreTimeout extends Error {}

const DEADLOCK = '40P01';
