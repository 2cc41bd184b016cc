import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { SendAttemptService } from '../../src/send/send-attempt.service';
import type { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { eventually } from '../support/eventually';
import { fakeGraphEnv } from '../support/fake-graph';
import { startTestApp, type TestApp } from '../support/test-app';

/** Parsed JSON of an API answer (tests read fields freely). */
type Json = ReturnType<typeof JSON.parse>;

export const ADMIN_KEY = 'send-e2e-admin-key-0123456789-abcdefghij';
export const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/** Fast retries so fault scenarios finish in moments; the policy is the same as in production. */
export function startSendApp(graph: FakeGraph, env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({
    ...fakeGraphEnv(graph),
    ADMIN_API_KEY: ADMIN_KEY,
    SEND_RETRY_BASE_MS: '20',
    SEND_RETRY_MAX_MS: '200',
    SEND_THROTTLE_BASE_MS: '50',
    ...env,
  });
}

export class SendFixture {
  constructor(
    readonly t: TestApp,
    readonly graph: FakeGraph,
  ) {}

  get db(): DataSource {
    return this.t.app.get<DataSource>(getDataSourceToken());
  }

  /** A Page registered through the admin API with a token the fake Graph issued. */
  async registerPage(): Promise<{ id: string; token: string }> {
    const page = this.graph.addPage();
    const res = await this.t.app.inject({
      method: 'POST',
      url: '/admin/pages',
      headers: auth,
      payload: { accessToken: page.token },
    });
    if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
    return { id: page.id, token: page.token };
  }

  /** A person of the Page who wrote just now (the 24-hour window is open). */
  async person(pageId: string, lastWroteAt = new Date()): Promise<string> {
    const psid = this.graph.addPsid(pageId);
    await this.wrote(pageId, psid, lastWroteAt);
    return psid;
  }

  /** Records a message from `psid` to the Page, as the inbound processor would. */
  async wrote(pageId: string, psid: string, at = new Date()): Promise<void> {
    await this.t.app.get(ConversationsService).recordUserEvent(pageId, psid, at, true);
  }

  send(pageId: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.t.app.inject({
      method: 'POST',
      url: `/admin/pages/${pageId}/messages`,
      headers: { ...auth, ...headers },
      payload,
    });
  }

  async sendText(pageId: string, psid: string, text: string): Promise<string> {
    const res = await this.send(pageId, { recipient: { id: psid }, message: { text } });
    if (res.statusCode !== 202) throw new Error(`send failed: ${res.statusCode} ${res.body}`);
    return res.json<{ id: string }>().id;
  }

  async message(id: string): Promise<Json> {
    const res = await this.t.app.inject({ method: 'GET', url: `/admin/messages/${id}`, headers: auth });
    if (res.statusCode !== 200) throw new Error(`get failed: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  async waitForStatus(ids: string[], status: string, timeoutMs = 20_000): Promise<Array<Json>> {
    let last: Array<Json> = [];
    await eventually(
      () =>
        `messages not all ${status}: ${JSON.stringify(last.map((m) => [m.status, m.attempts, m.lastError]))}`,
      async () => {
        last = await Promise.all(ids.map((id) => this.message(id)));
        return last.every((m) => m.status === status);
      },
      timeoutMs,
    );
    return last;
  }

  /** Page status changes recorded by the send processor land just after the message's own update. */
  async waitForPageStatus(pageId: string, status: string): Promise<void> {
    let last = '';
    await eventually(
      () => `Page ${pageId} to be ${status} (is ${last})`,
      async () => {
        const res = await this.t.app.inject({ method: 'GET', url: `/admin/pages/${pageId}`, headers: auth });
        last = res.json<{ status: string }>().status;
        return last === status;
      },
      10_000,
    );
  }

  sendCalls(pageId?: string) {
    return this.graph.calls.filter(
      (c) => c.path.endsWith('/me/messages') && (!pageId || c.pageId === pageId),
    );
  }

  async alerts(
    kind: string,
    pageId: string,
  ): Promise<Array<{ severity: string; occurrences: number; details: Json }>> {
    return this.db.query(
      `SELECT severity, occurrences, details FROM alerts WHERE kind = $1 AND page_id = $2`,
      [kind, pageId],
    );
  }

  /**
   * From now on, records every send attempt (one run of a send job) as it finishes; `finished(id)`
   * resolves once an attempt at message `id` has returned, so a test knows what the job decided.
   */
  watchAttempts(): { finished(messageId: string): Promise<void>; stop(): void } {
    const attempts = this.t.app.get(SendAttemptService);
    const done = new Set<string>();
    const waiting = new Map<string, Array<() => void>>();
    const original = attempts.run.bind(attempts);
    const spy = jest.spyOn(attempts, 'run').mockImplementation(async (messageId: string) => {
      try {
        await original(messageId);
      } finally {
        done.add(messageId);
        for (const resolve of waiting.get(messageId) ?? []) resolve();
        waiting.delete(messageId);
      }
    });
    return {
      finished: (messageId) =>
        done.has(messageId)
          ? Promise.resolve()
          : new Promise((resolve) => waiting.set(messageId, [...(waiting.get(messageId) ?? []), resolve])),
      stop: () => spy.mockRestore(),
    };
  }

  async outboxCount(pageId: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM outbound_messages WHERE page_id = $1`, [
      pageId,
    ]);
    return row.n;
  }
}

/**
 * Holds the next call of `target[method]` at its start until `open()`: a test sets up an interleaving
 * of concurrent work deterministically. `reached` resolves when the call has arrived. Later calls run
 * untouched; `open()` also removes the gate (calling it again changes nothing: tests call it in
 * `finally`, so that a failed test leaves no gate behind).
 */
export function gateNextCall<T extends object, K extends keyof T & string>(
  target: T,
  method: K,
): { reached: Promise<void>; open(): void } {
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  const spy = jest.spyOn(target, method as never).mockImplementationOnce((async (...args: unknown[]) => {
    arrived();
    await released;
    return original(...args);
  }) as never);
  return {
    reached,
    open: () => {
      spy.mockRestore();
      release();
    },
  };
}
