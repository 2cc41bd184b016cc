import { createHmac, randomInt } from 'node:crypto';
import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Bot, OnEcho, OnMessage, OnPostback } from '../../src/bot-sdk/decorators';
import type { HandlerContext } from '../../src/bot-sdk/handler-context';
import type { EchoEvent, MessageEvent, PostbackEvent } from '../../src/bot-sdk/messenger-event';

/** Secrets of the inbound specs' apps (test values, not the dev defaults). */
export const INBOUND_APP_SECRET = 'e2e-inbound-app-secret-5b7e21';
export const INBOUND_ADMIN_KEY = 'e2e-inbound-admin-key-0123456789-abcdefgh';
export const INBOUND_APP_ID = '777000000000001';
export const TEST_BOT = 'recorder';
const INSTANCE = Symbol('RECORDER_INSTANCE');

export const CALLS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS inbound_test_calls (
  id bigserial PRIMARY KEY, event_id bigint NOT NULL, page_id text NOT NULL, psid text, kind text NOT NULL,
  label text NOT NULL, attempt int NOT NULL, instance text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/**
 * A bot that writes every handler call to Postgres (so calls from child processes count too) and
 * misbehaves on request, by message text: `slow:<ms>:<label>`, `throw2:<label>` (throws on the first
 * two attempts), `throwall:<label>`, `say:<label>` (replies `re:<text>`), `saythrow2:<label>` (replies,
 * then throws on the first two attempts).
 */
@Bot(TEST_BOT)
@Injectable()
export class RecorderBot {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(INSTANCE) private readonly instance: string,
  ) {}

  @OnMessage()
  async message(event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    const text = event.text ?? '';
    const [mode, arg] = text.split(':');
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, Number(arg)));
    await this.record(ctx, 'message', text);
    if (mode === 'say' || mode === 'saythrow2') await ctx.reply(`re:${text}`);
    if ((mode === 'throw2' || mode === 'saythrow2') && ctx.attempt <= 2)
      throw new Error(`planned failure ${ctx.attempt}`);
    if (mode === 'throwall') throw new Error('always fails');
  }

  @OnPostback()
  async postback(event: PostbackEvent, ctx: HandlerContext<PostbackEvent>): Promise<void> {
    await this.record(ctx, 'postback', event.payload);
  }

  @OnEcho()
  async echo(event: EchoEvent, ctx: HandlerContext<EchoEvent>): Promise<void> {
    await this.record(ctx, ctx.ownEcho ? 'own-echo' : 'echo', event.text ?? '');
  }

  private async record(ctx: HandlerContext, kind: string, label: string): Promise<void> {
    await this.db.query(
      `INSERT INTO inbound_test_calls (event_id, page_id, psid, kind, label, attempt, instance)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [ctx.eventId, ctx.page.id, ctx.psid ?? null, kind, label, ctx.attempt, this.instance],
    );
  }
}

@Module({})
export class RecorderBotModule {
  static forInstance(instance: string): DynamicModule {
    return { module: RecorderBotModule, providers: [RecorderBot, { provide: INSTANCE, useValue: instance }] };
  }
}

export { createSpecDatabase } from '../support/spec-database';

export function inboundAppEnv(databaseUrl: string, suffix: string, extra: Record<string, string> = {}) {
  return {
    ADMIN_API_KEY: INBOUND_ADMIN_KEY,
    FB_APP_SECRET: INBOUND_APP_SECRET,
    FB_APP_ID: INBOUND_APP_ID,
    DATABASE_URL: databaseUrl,
    DATABASE_AUTO_MIGRATE: 'true',
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${suffix}`,
    INBOUND_DEFAULT_BOT: TEST_BOT,
    INBOUND_RETRY_BASE_MS: '100',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Random numeric Facebook-like ids. */
export const fbId = (): string => `${randomInt(100_000, 999_999)}${randomInt(100_000_000, 999_999_999)}`;

/** A Page row as the pages module would store it (the token bytes are not a real token: no sends). */
export async function insertPage(
  sql: Client,
  pageId: string,
  status = 'active',
  bot: string | null = null,
): Promise<void> {
  await sql.query(
    `INSERT INTO pages (page_id, name, status, bot, token_ciphertext, token_iv, token_auth_tag, token_key_id)
     VALUES ($1, $2, $3, $4, $5, $5, $5, 'dev')`,
    [pageId, `Page ${pageId}`, status, bot, Buffer.from('not-a-token')],
  );
}

export const signBody = (raw: string): string =>
  `sha256=${createHmac('sha256', INBOUND_APP_SECRET).update(raw).digest('hex')}`;

export type MessagingItem = Record<string, unknown>;

export const textItem = (
  page: string,
  psid: string,
  ts: number,
  text: string,
  mid: string,
): MessagingItem => ({
  sender: { id: psid },
  recipient: { id: page },
  timestamp: ts,
  message: { mid, text },
});

/** One webhook body; items grouped by Page into entries. */
export function webhookBody(items: Array<{ page: string; item: MessagingItem; standby?: boolean }>): string {
  const entries = new Map<
    string,
    { id: string; time: number; messaging: MessagingItem[]; standby: MessagingItem[] }
  >();
  for (const { page, item, standby } of items) {
    const entry = entries.get(page) ?? { id: page, time: Date.now(), messaging: [], standby: [] };
    (standby ? entry.standby : entry.messaging).push(item);
    entries.set(page, entry);
  }
  return JSON.stringify({
    object: 'page',
    entry: [...entries.values()].map((e) => ({
      id: e.id,
      time: e.time,
      ...(e.messaging.length ? { messaging: e.messaging } : {}),
      ...(e.standby.length ? { standby: e.standby } : {}),
    })),
  });
}

export function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
