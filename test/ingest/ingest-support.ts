import type { Pool, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { InboxWriter } from '../../src/inbox/inbox.writer';
import { eventually } from '../support/eventually';
import type { TestApp } from '../support/test-app';

type Query = (config: QueryConfig) => Promise<unknown>;

/** The pg pool the inbox writer sends its statements through. */
export const poolOf = (t: TestApp): Pool => (t.app.get(DataSource).driver as PostgresDriver).master as Pool;

const isInboxInsert = (config: unknown): boolean =>
  typeof config === 'object' &&
  config !== null &&
  /INSERT INTO inbound_events/.test((config as QueryConfig).text);

export interface InsertSpy {
  /** INSERT statements the app sent to Postgres since the spy was set. */
  readonly statements: number;
  restore(): void;
}

/**
 * Watches the writer's INSERT statements at the driver. With `holdUntilCalls`, the first statement
 * waits until the writer has that many callers, so requests sent together are known to queue behind
 * it (what a statement in flight under load does) instead of depending on timing. `replace` stands
 * in for Postgres (a failure, or a statement that never answers).
 */
export function spyOnInserts(
  t: TestApp,
  options: { holdUntilCalls?: number; replace?: (config: QueryConfig, run: Query) => Promise<unknown> } = {},
): InsertSpy {
  const pool = poolOf(t);
  const writer = t.app.get(InboxWriter);
  const original = pool.query.bind(pool) as unknown as Query;
  const run: Query = (config) => original(config);
  const callsAtStart = writer.calls;
  let statements = 0;
  const send = async (config: QueryConfig): Promise<unknown> => {
    statements++;
    if (statements === 1 && options.holdUntilCalls !== undefined) {
      const wanted = callsAtStart + options.holdUntilCalls;
      await eventually('the requests to reach the inbox writer', () => writer.calls >= wanted);
    }
    return options.replace ? options.replace(config, run) : run(config);
  };
  const fake: Query = (config) => (isInboxInsert(config) ? send(config) : original(config));
  // Typed as the one form the app uses (a config object, a promise back).
  const spy = jest.spyOn(pool as unknown as { query: Query }, 'query').mockImplementation(fake);
  return {
    get statements() {
      return statements;
    },
    restore: () => spy.mockRestore(),
  };
}
