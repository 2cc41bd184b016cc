import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInboundEvents1764000000300 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // The inbox: one row per webhook event, written before Facebook gets its 200.
    // - `id` (bigserial) is also the monotonic sequence that breaks ties between events with the same
    //   Facebook timestamp: rows of one request get ids in the order they appear in the body.
    // - `psid` is the user's PSID (for echoes the recipient), null when the event names none.
    //   `conversation_key` is never null: the PSID, `user_ref:<ref>` (checkbox plugin) or `page`
    //   (page-level events such as policy_enforcement), so "one conversation at a time" is plain equality.
    // - `fb_timestamp` is the event's timestamp, else its entry's `time`, else the receipt time
    //   (deliveries may carry none), so ordering never meets a null.
    await queryRunner.query(`
      CREATE TABLE inbound_events (
        id bigserial PRIMARY KEY,
        dedup_key text NOT NULL,
        page_id text NOT NULL,
        psid text NULL,
        conversation_key text NOT NULL,
        source text NOT NULL DEFAULT 'messaging'
          CONSTRAINT inbound_events_source_valid CHECK (source IN ('messaging', 'standby')),
        event_type text NOT NULL,
        fb_timestamp timestamptz(3) NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CONSTRAINT inbound_events_status_valid
          CHECK (status IN ('pending', 'processing', 'done', 'failed', 'ignored')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text NULL,
        next_attempt_at timestamptz(3) NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        handled_at timestamptz(3) NULL,
        CONSTRAINT inbound_events_dedup_key_unique UNIQUE (dedup_key)
      )
    `);
    // "Pending by conversation, oldest first": the processor's claim-and-handle query.
    await queryRunner.query(`
      CREATE INDEX inbound_events_conversation_open
        ON inbound_events (page_id, conversation_key, fb_timestamp, id)
        WHERE status IN ('pending', 'processing')
    `);
    // The reconciler walks pending rows by id (keyset); the index stays small because handled rows leave it.
    await queryRunner.query(
      `CREATE INDEX inbound_events_pending ON inbound_events (id) WHERE status = 'pending'`,
    );
    // Failed rows are rare and looked at by Page (admin list, replay).
    await queryRunner.query(
      `CREATE INDEX inbound_events_failed ON inbound_events (page_id, id) WHERE status = 'failed'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS inbound_events`);
  }
}
