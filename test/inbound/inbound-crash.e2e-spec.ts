import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from 'pg';
import { eventually } from '../support/eventually';
import {
  CALLS_TABLE_SQL,
  createSpecDatabase,
  fbId,
  inboundAppEnv,
  insertPage,
  signBody,
  textItem,
  webhookBody,
} from './inbound-support';
import type { TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const CONVERSATIONS = 20;
const EVENTS = 10;
const HANDLER_MS = 150;

/** A real worker process: the app with the recorder bot, role worker. Resolves once it is up. */
function startWorker(env: Record<string, string>, instance: string): Promise<ChildProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'inbound-worker.ts')], {
    cwd: root,
    env: { ...process.env, ...env, APP_ROLE: 'worker', RECORDER_INSTANCE: instance, TS_NODE_PROJECT: join(root, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`worker ${instance} did not start:\n${output}`)), 90_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('READY')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${instance} exited with ${code}:\n${output}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/**
 * SIGKILL a worker process while it handles conversations; a new worker takes over: every event is
 * handled, in order per conversation, and only the events in flight at the kill are handled again.
 */
describe('Inbound processing survives a killed worker (e2e)', () => {
  let web: TestApp;
  let db: { url: string; sql: Client; drop(): Promise<void> };
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createSpecDatabase('inbound_crash');
    env = inboundAppEnv(db.url, 'inbound-crash', {
      INBOUND_CONCURRENCY: '6',
      INBOUND_REVIVE_SECONDS: '1',
      INBOX_STALE_SECONDS: '2',
      INBOX_RECONCILE_SECONDS: '1',
    });
    // This process only ingests: role web, so the modules must be loaded after APP_ROLE is set.
    process.env.APP_ROLE = 'web';
    const { startTestApp } = await import('../support/test-app');
    web = await startTestApp(env);
    delete process.env.APP_ROLE;
    await db.sql.query(CALLS_TABLE_SQL);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await Promise.all(workers.map(exited));
    await web?.close();
    await db?.drop();
  });

  it('loses and duplicates nothing when a worker is SIGKILLed mid-conversation', async () => {
    const page = fbId();
    await insertPage(db.sql, page);
    const users = Array.from({ length: CONVERSATIONS }, () => fbId());
    const items = users.flatMap((psid) =>
      Array.from({ length: EVENTS }, (_, i) => ({
        page,
        item: textItem(page, psid, 1_764_300_000_000 + i * 1000, `slow:${HANDLER_MS}:${i}`, `m_${psid}_${i}`),
      })),
    );
    const body = webhookBody(items);
    const res = await web.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body) },
    });
    expect(res.statusCode).toBe(200);

    const first = await startWorker(env, 'first');
    workers.push(first);
    const callCount = async () => Number((await db.sql.query(`SELECT count(*) AS n FROM inbound_test_calls`)).rows[0].n);
    await eventually(
      'a third of the events handled',
      async () => ((await callCount()) >= items.length / 3 ? true : undefined),
      60_000,
      100,
    );
    first.kill('SIGKILL');
    await exited(first);

    const inFlight = await db.sql.query<{ id: string }>(`SELECT id FROM inbound_events WHERE status = 'processing'`);
    expect(inFlight.rows.length).toBeGreaterThan(0); // killed mid-event, not between events
    const handledBefore = await callCount();
    expect(handledBefore).toBeLessThan(items.length);

    workers.push(await startWorker(env, 'second'));
    await eventually(
      'every event done',
      async () => {
        const { rows } = await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM inbound_events WHERE status = 'done'`);
        return Number(rows[0].n) === items.length ? true : undefined;
      },
      120_000,
      100,
    );

    const { rows: calls } = await db.sql.query<{ event_id: string; psid: string; label: string; instance: string }>(
      `SELECT event_id, psid, label, instance FROM inbound_test_calls ORDER BY id`,
    );
    // Nothing lost: every event handled.
    const perEvent = new Map<string, number>();
    for (const c of calls) perEvent.set(c.event_id, (perEvent.get(c.event_id) ?? 0) + 1);
    expect(perEvent.size).toBe(items.length);
    // Nothing duplicated except an event whose handler was running when the process died; it runs
    // again from the start (handlers must be idempotent for that case: replies get idempotency keys).
    const inFlightIds = new Set(inFlight.rows.map((r) => String(r.id)));
    const twice = [...perEvent].filter(([, n]) => n > 1);
    for (const [eventId, n] of twice) {
      expect(inFlightIds.has(eventId)).toBe(true);
      expect(n).toBe(2);
    }
    // Order per conversation, across both processes.
    for (const psid of users) {
      const labels = calls.filter((c) => c.psid === psid).map((c) => Number(c.label.split(':')[2]));
      const deduped = labels.filter((l, i) => i === 0 || l !== labels[i - 1]);
      expect(deduped).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    }
    expect(new Set(calls.map((c) => c.instance))).toEqual(new Set(['first', 'second']));
  });
});
