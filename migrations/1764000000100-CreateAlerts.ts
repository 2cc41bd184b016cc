import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAlerts1764000000100 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // Timestamps keep milliseconds so a list cursor round-trips exactly through a JS Date.
    // `kind` is text checked for shape only: the application enum (AlertKind) is the list, so a new
    // kind needs no migration.
    await queryRunner.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CONSTRAINT alerts_kind_format CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
        severity text NOT NULL CONSTRAINT alerts_severity_valid CHECK (severity IN ('warning', 'critical')),
        page_id text NULL,
        title text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        dedup_key text NOT NULL,
        status text NOT NULL DEFAULT 'open'
          CONSTRAINT alerts_status_valid CHECK (status IN ('open', 'acknowledged', 'resolved')),
        occurrences integer NOT NULL DEFAULT 1,
        first_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        acknowledged_by text NULL,
        acknowledged_at timestamptz(3) NULL,
        resolved_at timestamptz(3) NULL,
        last_delivered_at timestamptz(3) NULL,
        delivered_occurrence integer NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT alerts_resolved_has_time CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
      )
    `);
    // At most one unresolved alert per dedup key: raise() upserts against this index.
    await queryRunner.query(
      `CREATE UNIQUE INDEX alerts_dedup_key_unresolved ON alerts (dedup_key) WHERE status <> 'resolved'`,
    );
    // Admin list: newest first, optionally by status or Page.
    await queryRunner.query(`CREATE INDEX alerts_created ON alerts (created_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX alerts_status_created ON alerts (status, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX alerts_page_created ON alerts (page_id, created_at DESC, id DESC) WHERE page_id IS NOT NULL`,
    );
    // Retention.
    await queryRunner.query(
      `CREATE INDEX alerts_resolved_at ON alerts (resolved_at) WHERE status = 'resolved'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS alerts`);
  }
}
