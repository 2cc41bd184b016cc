import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddInboundReplayCount1764000000500 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // Handlers' sends carry idempotency keys derived from (event id, replay count, n-th send): a retry
    // after a crash or a throw never sends twice, while an operator's replay sends again on purpose.
    await queryRunner.query(`ALTER TABLE inbound_events ADD COLUMN replay_count integer NOT NULL DEFAULT 0`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE inbound_events DROP COLUMN replay_count`);
  }
}
