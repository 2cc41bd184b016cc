import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { escapeLiteral, Pool, type PoolClient } from 'pg';
import { databaseConfig, type DatabaseConfig } from '../config/database.config';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import type { ConversationRef } from '../inbox/inbox-claims.repository';

export interface ConversationClaim {
  /** True once the lock's connection broke: another worker may now hold the conversation. */
  readonly lost: boolean;
  release(): Promise<void>;
  /**
   * Releases the claim and runs `query` (literal SQL, no parameters) after the release, in the same
   * round trip; answers its rows. Fails like the query does (the claim is released either way).
   */
  releaseThen<T>(query: string): Promise<T[]>;
}

/**
 * One conversation at a time across every worker process: a session-level Postgres advisory lock
 * on (page, conversation key), held on its own connection for as long as the handling takes. Unlike
 * a Redis lock it cannot expire under a slow handler, and a crashed worker's lock goes with its
 * connection. The locks use a pool of their own, sized to the processor's concurrency, so claims can
 * never take every connection the handlers' own queries (and sends) need.
 */
@Injectable()
export class ConversationLocks implements OnApplicationShutdown {
  private readonly logger = new Logger(ConversationLocks.name);
  private readonly pool: Pool;

  constructor(
    @Inject(databaseConfig.KEY) db: DatabaseConfig,
    @Inject(inboundConfig.KEY) config: InboundConfig,
  ) {
    this.pool = new Pool({
      connectionString: db.url,
      max: config.concurrency,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: 'messenger-hub conversation locks',
    });
    // An idle connection dropped by the server must not crash the process; the next connect retries.
    this.pool.on('error', (error) =>
      this.logger.warn({ err: { message: error.message } }, 'Lock connection lost'),
    );
  }

  /** The conversation's claim, or null when another worker holds it. */
  async tryClaim(ref: ConversationRef): Promise<ConversationClaim | null> {
    const client = await this.pool.connect();
    const key = `${ref.pageId}:${ref.conversationKey}`;
    let lost = false;
    const onError = (error: Error) => {
      lost = true;
      this.logger.warn(
        { err: { message: error.message }, pageId: ref.pageId },
        'Conversation lock connection lost',
      );
    };
    client.on('error', onError);
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [key],
      );
      if (!rows[0]?.ok) {
        this.giveBack(client, onError);
        return null;
      }
    } catch (error) {
      this.giveBack(client, onError, error as Error);
      throw error;
    }
    return {
      get lost() {
        return lost;
      },
      release: async () => {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
          this.giveBack(client, onError);
        } catch (error) {
          // Destroying the connection releases the lock too.
          this.giveBack(client, onError, error as Error);
        }
      },
      releaseThen: async <T>(query: string): Promise<T[]> => {
        try {
          // Two statements in one simple query: each takes its own snapshot, so the second sees what
          // was committed before the unlock (the advisory unlock is immediate, not at commit).
          const results = (await client.query(
            `SELECT pg_advisory_unlock(hashtextextended(${escapeLiteral(key)}, 0)); ${query}`,
          )) as unknown as Array<{ rows: T[] }>;
          this.giveBack(client, onError);
          return results[1].rows;
        } catch (error) {
          // Destroying the connection releases the lock too.
          this.giveBack(client, onError, error as Error);
          throw error;
        }
      },
    };
  }

  private giveBack(client: PoolClient, onError: (error: Error) => void, error?: Error): void {
    client.off('error', onError);
    client.release(error ?? false);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
