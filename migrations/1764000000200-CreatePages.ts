import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePages1764000000200 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // The token columns are all set or all null: a removed Page keeps its row (history stays
    // readable) with the ciphertext erased; the fingerprint stays for audit.
    await queryRunner.query(`
      CREATE TABLE pages (
        page_id text PRIMARY KEY CONSTRAINT pages_page_id_format CHECK (page_id ~ '^[0-9]{1,32}$'),
        name text NOT NULL,
        status text NOT NULL
          CONSTRAINT pages_status_valid CHECK (status IN ('active', 'paused', 'token_invalid', 'unsubscribed', 'removed')),
        status_reason text NULL,
        bot text NULL,
        token_ciphertext bytea NULL,
        token_iv bytea NULL,
        token_auth_tag bytea NULL,
        token_key_id text NULL,
        token_fingerprint text NULL,
        token_expires_at timestamptz(3) NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        subscribed_fields text[] NOT NULL DEFAULT '{}',
        last_subscription_check_at timestamptz(3) NULL,
        last_health_check_at timestamptz(3) NULL,
        health jsonb NULL,
        last_event_at timestamptz(3) NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT pages_token_complete CHECK (
          (token_ciphertext IS NULL AND token_iv IS NULL AND token_auth_tag IS NULL AND token_key_id IS NULL)
          OR (token_ciphertext IS NOT NULL AND token_iv IS NOT NULL AND token_auth_tag IS NOT NULL AND token_key_id IS NOT NULL)
        ),
        CONSTRAINT pages_token_unless_removed CHECK (status = 'removed' OR token_ciphertext IS NOT NULL)
      )
    `);
    // Admin list filtered by status, paged by page id; the health job walks active Pages the same way.
    await queryRunner.query(`CREATE INDEX pages_status_page_id ON pages (status, page_id)`);
    // Re-encryption finds tokens not under the current key.
    await queryRunner.query(
      `CREATE INDEX pages_token_key_id ON pages (token_key_id) WHERE token_key_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS pages`);
  }
}
