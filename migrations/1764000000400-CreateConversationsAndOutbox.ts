import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConversationsAndOutbox1764000000400 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to pages: the inbound processor records events as they arrive, and a
    // conversation's history outlives a Page being removed and registered again.
    await queryRunner.query(`
      CREATE TABLE conversations (
        page_id text NOT NULL,
        psid text NOT NULL,
        first_seen_at timestamptz(3) NOT NULL,
        last_user_message_at timestamptz(3) NULL,
        last_event_at timestamptz(3) NOT NULL,
        PRIMARY KEY (page_id, psid)
      )
    `);

    // timestamptz(3): job ids are derived from next_attempt_at in milliseconds (see outbox.repository.ts),
    // so the column must hold exactly what JavaScript reads back.
    await queryRunner.query(`
      CREATE TABLE outbound_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        page_id text NOT NULL REFERENCES pages (page_id) ON DELETE CASCADE,
        recipient jsonb NOT NULL,
        recipient_key text NOT NULL,
        payload jsonb NOT NULL,
        messaging_type text NULL
          CONSTRAINT outbound_messages_messaging_type_valid CHECK (messaging_type IN ('RESPONSE', 'UPDATE', 'MESSAGE_TAG')),
        tag text NULL,
        notification_type text NULL,
        status text NOT NULL
          CONSTRAINT outbound_messages_status_valid
          CHECK (status IN ('queued', 'sending', 'sent', 'held', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        throttled_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_error jsonb NULL,
        fb_message_id text NULL,
        idempotency_key text NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        sending_started_at timestamptz(3) NULL,
        sent_at timestamptz(3) NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX outbound_messages_seq ON outbound_messages (seq)`);
    // A repeated key returns the first message instead of sending twice.
    await queryRunner.query(`
      CREATE UNIQUE INDEX outbound_messages_idempotency
        ON outbound_messages (page_id, idempotency_key) WHERE idempotency_key IS NOT NULL
    `);
    // Lane heads: the oldest unfinished message per (page, recipient).
    await queryRunner.query(
      `CREATE INDEX outbound_messages_lane ON outbound_messages (page_id, recipient_key, seq)`,
    );
    // At most one message per lane in flight, enforced by the database rather than by timing.
    await queryRunner.query(`
      CREATE UNIQUE INDEX outbound_messages_one_in_flight
        ON outbound_messages (page_id, recipient_key) WHERE status = 'sending'
    `);
    // The sweep: due queued messages whose job was lost, and stuck 'sending' rows.
    await queryRunner.query(`
      CREATE INDEX outbound_messages_queued_due ON outbound_messages (next_attempt_at) WHERE status = 'queued'
    `);
    await queryRunner.query(`
      CREATE INDEX outbound_messages_sending_since ON outbound_messages (sending_started_at) WHERE status = 'sending'
    `);
    await queryRunner.query(
      `CREATE INDEX outbound_messages_held ON outbound_messages (page_id) WHERE status = 'held'`,
    );
    // Admin listing by page, newest first; pruning of finished rows.
    await queryRunner.query(`CREATE INDEX outbound_messages_page_seq ON outbound_messages (page_id, seq)`);
    await queryRunner.query(`
      CREATE INDEX outbound_messages_finished ON outbound_messages (updated_at)
        WHERE status IN ('sent', 'failed', 'cancelled')
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS outbound_messages`);
    await queryRunner.query(`DROP TABLE IF EXISTS conversations`);
  }
}
