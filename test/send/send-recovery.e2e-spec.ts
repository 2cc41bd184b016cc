import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { OutboxMaintenanceProcessor } from '../../src/send/outbox-maintenance.processor';
import { eventually } from '../support/eventually';
import { auth, SendFixture, startSendApp } from './send.e2e-helpers';
import type { TestApp } from '../support/test-app';

// Scenarios wait for retries, sweeps and short caches; generous on a loaded machine.
jest.setTimeout(60_000);

/**
 * The outbox sweep as it runs in production: a repeatable job on the maintenance queue (here every
 * 300 ms, and a queued message counts as stale after 1 s instead of 60 s). Nothing calls it directly.
 */
describe('Outbox recovery and pruning (e2e)', () => {
  let graph: FakeGraph;
  let t: TestApp;
  let f: SendFixture;

  beforeAll(async () => {
    graph = await FakeGraph.start();
    t = await startSendApp(graph, { SEND_SWEEP_INTERVAL_MS: '300', SEND_STALE_QUEUED_SECONDS: '1' });
    f = new SendFixture(t, graph);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const pause = (pageId: string) =>
    t.app.inject({
      method: 'PATCH',
      url: `/admin/pages/${pageId}`,
      headers: auth,
      payload: { status: 'paused' },
    });

  it("re-sends a message whose worker died mid-send ('sending' for too long)", async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    // Hold the message on a paused Page, then make it look like a crashed worker's claim.
    await pause(page.id);
    const id = (await f.send(page.id, { recipient: { id: psid }, message: { text: 'orphan' } })).json().id;
    await f.db.query(
      `UPDATE outbound_messages SET status = 'sending', attempts = 1, sending_started_at = now() - interval '1 hour'
       WHERE id = $1`,
      [id],
    );
    await f.db.query(`UPDATE pages SET status = 'active' WHERE page_id = $1`, [page.id]);

    const [sent] = await f.waitForStatus([id], 'sent');
    expect(sent.attempts).toBe(2);
    expect(graph.sentMessages(page.id)).toHaveLength(1);
  });

  it('fails a crashed message that had no attempt left, with an alert', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    await pause(page.id);
    const id = (await f.send(page.id, { recipient: { id: psid }, message: { text: 'poison' } })).json().id;
    await f.db.query(
      `UPDATE outbound_messages SET status = 'sending', attempts = 8, sending_started_at = now() - interval '1 hour'
       WHERE id = $1`,
      [id],
    );
    const [failed] = await f.waitForStatus([id], 'failed');
    expect(failed.lastError).toMatchObject({ kind: 'internal' });
    expect(graph.sentMessages(page.id)).toHaveLength(0);
    // Raised just after the row is marked failed.
    await eventually(
      'one send_failed alert',
      async () => (await f.alerts('send_failed', page.id)).length === 1,
      20_000,
    );
  });

  it('sends a queued message whose job was lost', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    // A row committed while Redis was down: no job was ever added.
    const [{ id }] = await f.db.query(
      `INSERT INTO outbound_messages (page_id, recipient, recipient_key, payload, messaging_type, status, next_attempt_at)
       VALUES ($1, $2, $3, $4, 'RESPONSE', 'queued', now() - interval '10 minutes') RETURNING id`,
      [
        page.id,
        JSON.stringify({ id: psid }),
        `psid:${psid}`,
        JSON.stringify({ message: { text: 'lost job' } }),
      ],
    );
    await f.waitForStatus([id], 'sent');
    expect(graph.sentMessages(page.id).map((m) => m.message?.text)).toEqual(['lost job']);
  });

  it('releases held messages of a Page that became active in another process', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    await pause(page.id);
    const id = (await f.send(page.id, { recipient: { id: psid }, message: { text: 'elsewhere' } })).json().id;
    // Another process reactivated it: this one got no PageStatusEvents.
    await f.db.query(`UPDATE pages SET status = 'active' WHERE page_id = $1`, [page.id]);
    await f.waitForStatus([id], 'sent');
  });

  it('prunes finished messages past the retention, and nothing else', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const insert = async (status: string, age: string) => {
      const [{ id }] = await f.db.query(
        `INSERT INTO outbound_messages (page_id, recipient, recipient_key, payload, status, updated_at)
         VALUES ($1, $2, $3, '{"message":{"text":"old"}}', $4, now() - $5::interval) RETURNING id`,
        [page.id, JSON.stringify({ id: psid }), `psid:old-${status}-${age}`, status, age],
      );
      return id as string;
    };
    await pause(page.id); // keeps the held row below where it is
    const old = await Promise.all(['sent', 'failed', 'cancelled'].map((s) => insert(s, '8 days')));
    const kept = [await insert('sent', '6 days'), await insert('held', '30 days')];

    const deleted = await t.app.get(OutboxMaintenanceProcessor).prune();
    expect(deleted).toBeGreaterThanOrEqual(3);
    const left = await f.db.query(`SELECT id FROM outbound_messages WHERE id = ANY($1::uuid[])`, [
      [...old, ...kept],
    ]);
    expect(left.map((r: { id: string }) => r.id).sort()).toEqual([...kept].sort());
  });
});
