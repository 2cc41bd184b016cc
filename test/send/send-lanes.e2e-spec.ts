import { Client } from 'pg';
import { PagesService } from '../../src/pages/pages.service';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import type { OutboundMessage } from '../../src/send/outbound-message.entity';
import { OutboxRecoveryService } from '../../src/send/outbox-recovery.service';
import { OutboxRepository } from '../../src/send/outbox.repository';
import { LANE_RUN_MAX, SendAttemptService } from '../../src/send/send-attempt.service';
import { SendScheduler } from '../../src/send/send-scheduler';
import { eventually } from '../support/eventually';
import { auth, SendFixture, startSendApp } from './send.e2e-helpers';
import type { TestApp } from '../support/test-app';

jest.setTimeout(60_000);

/** How a lane's messages are claimed, handed over and sent by as few jobs and round trips as it takes. */
describe('Send lanes (e2e)', () => {
  let graph: FakeGraph;
  let t: TestApp;
  let f: SendFixture;
  let outbox: OutboxRepository;
  let sql: Client;

  beforeAll(async () => {
    graph = await FakeGraph.start();
    t = await startSendApp(graph);
    f = new SendFixture(t, graph);
    outbox = t.app.get(OutboxRepository);
    sql = new Client({ connectionString: process.env.DATABASE_URL });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
    await graph?.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  /** Rows as a batch of replies is written: committed first, jobs after (SendScheduler.enqueueMany). */
  async function insert(pageId: string, psid: string, texts: string[]): Promise<OutboundMessage[]> {
    const rows: OutboundMessage[] = [];
    for (const text of texts) {
      const row = await outbox.insert({
        pageId,
        recipient: { id: psid },
        recipientKey: `psid:${psid}`,
        payload: { message: { text } },
        messagingType: 'RESPONSE',
        tag: null,
        notificationType: null,
        idempotencyKey: null,
        status: 'queued',
      });
      rows.push(row!);
    }
    return rows;
  }

  const texts = (n: number, prefix = '#') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

  it(`sends a busy lane in order with one job per ${LANE_RUN_MAX} messages, not one per message`, async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const runs = jest.spyOn(t.app.get(SendAttemptService), 'run');
    const lane = texts(2 * LANE_RUN_MAX + 5);

    await t.app.get(SendScheduler).enqueueMany(await insert(page.id, psid, lane));
    await eventually(
      'the lane sent',
      () => graph.sentMessages(page.id).length === lane.length,
      30_000,
    );

    expect(graph.sentMessages(page.id).map((m) => m.message?.text)).toEqual(lane);
    expect(runs).toHaveBeenCalledTimes(3);
  });

  it('claims only the head of a lane, and finishing the head names the next message', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const [first, second] = await insert(page.id, psid, ['first', 'second']);

    await expect(outbox.claim(second.id)).resolves.toBeNull();
    const claim = await outbox.claim(first.id);
    expect(claim).toMatchObject({ id: first.id, status: 'sending', attempts: 1 });
    // One in flight per lane: the second is still not its turn.
    await expect(outbox.claim(second.id)).resolves.toBeNull();

    const finished = await outbox.markSent(claim!, 'm_1');
    expect(finished).toEqual({ message: expect.objectContaining({ status: 'sent' }), nextId: second.id });
    await expect(outbox.markSent(claim!, 'm_1')).resolves.toBeNull();
    await expect(outbox.claim(second.id)).resolves.toMatchObject({ id: second.id, status: 'sending' });
  });

  it('does not name a next message that is not due (it waits for its own delayed job)', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const [first, second] = await insert(page.id, psid, ['first', 'later']);
    await sql.query(
      `UPDATE outbound_messages SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
      [second.id],
    );
    const claim = await outbox.claim(first.id);
    await expect(outbox.markFailed(claim!, { kind: 'internal', message: 'x' })).resolves.toMatchObject({
      nextId: null,
    });
  });

  it("a claim that meets its lane's head being finished waits for that commit, then claims", async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const [head, follower] = await insert(page.id, psid, ['head', 'follower']);
    const claim = await outbox.claim(head.id);

    // The head's finish is in progress (not committed) when the follower's claim runs.
    await sql.query('BEGIN');
    try {
      await sql.query(`UPDATE outbound_messages SET status = 'sent' WHERE id = $1 AND attempts = $2`, [
        claim!.id,
        claim!.attempts,
      ]);
      const claiming = outbox.claim(follower.id);
      await eventually(
        'the claim to wait for the lock',
        async () =>
          (
            await sql.query(
              `SELECT 1 FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE '%SET status = ''sending''%'`,
            )
          ).rows.length > 0,
        10_000,
      );
      await sql.query('COMMIT');
      await expect(claiming).resolves.toMatchObject({ id: follower.id, status: 'sending' });
    } finally {
      await sql.query('ROLLBACK').catch(() => undefined);
    }
  });

  it("reads a Page's credentials once for many messages, not once per message", async () => {
    const page = await f.registerPage();
    const people = await Promise.all(Array.from({ length: 20 }, () => f.person(page.id)));
    const reads = jest.spyOn(t.app.get(PagesService), 'getCredentials');
    const rows = (await Promise.all(people.map((psid) => insert(page.id, psid, ['hi'])))).flat();

    await t.app.get(SendScheduler).enqueueMany(rows);
    await eventually(
      '20 sent',
      () => graph.sentMessages(page.id).length === 20,
      30_000,
    );
    // One read; a second one only if the few seconds of the cache ran out on a slow machine.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('a Page resumed by another process is not held again on the word of a cached status', async () => {
    const page = await f.registerPage();
    const psid = await f.person(page.id);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/admin/pages/${page.id}`,
      headers: auth,
      payload: { status: 'paused' },
    });
    expect(patch.json().status).toBe('paused');
    const id = await f.send(page.id, { recipient: { id: psid }, message: { text: 'resumed' } });
    expect(id.json().status).toBe('held');
    // This process caches "paused"; another one resumes the Page.
    await t.app.get(PagesService).getCachedCredentials(page.id);
    await sql.query(`UPDATE pages SET status = 'active' WHERE page_id = $1`, [page.id]);
    const holds = jest.spyOn(outbox, 'holdClaimed');

    await expect(t.app.get(OutboxRecoveryService).followPageStatus(page.id)).resolves.toBe('released');
    await f.waitForStatus([id.json().id], 'sent');
    expect(holds).not.toHaveBeenCalled();
  });
});
