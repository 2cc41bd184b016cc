import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { InboxReconciler } from '../../src/inbox/inbox-reconciler';
import { InboxService } from '../../src/inbox/inbox.service';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import type { TestApp } from '../support/test-app';
import {
  ADMIN_KEY,
  envelope,
  ev,
  fbId,
  fifteenEventBody,
  postWebhook,
  startWebhookApp,
} from '../support/webhook-fixtures';

jest.setTimeout(60_000);

describe('Inbox (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    t = await startWebhookApp('inbox');
    db = t.app.get(DataSource);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Inbound));
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = (url: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const idsOf = async (pages: string[]) =>
    (
      await db.query<Array<{ id: string }>>(
        'SELECT id FROM inbound_events WHERE page_id = ANY($1) ORDER BY id',
        [pages],
      )
    ).map((r) => r.id);
  const setRows = (ids: string[], assignments: string) =>
    db.query(`UPDATE inbound_events SET ${assignments} WHERE id = ANY($1::bigint[])`, [ids]);

  describe('admin API', () => {
    let pages: string[];
    beforeAll(async () => {
      const made = fifteenEventBody();
      pages = made.pages;
      expect((await postWebhook(t, made.body)).statusCode).toBe(200);
    });

    it('lists a Page newest first, without payloads, page by page with a cursor', async () => {
      const all = await idsOf([pages[1]]);
      expect(all).toHaveLength(5);
      const first = await admin(`/admin/events?pageId=${pages[1]}&limit=2`);
      expect(first.statusCode).toBe(200);
      const one = first.json();
      expect(one.items.map((i: { id: string }) => i.id)).toEqual([all[4], all[3]]);
      expect(one.items[0]).not.toHaveProperty('payload');
      expect(one.items[0]).toMatchObject({
        pageId: pages[1],
        status: 'pending',
        attempts: 0,
        source: 'messaging',
      });
      expect(one.nextCursor).toBe(all[3]);

      const two = (await admin(`/admin/events?pageId=${pages[1]}&limit=2&cursor=${one.nextCursor}`)).json();
      const three = (await admin(`/admin/events?pageId=${pages[1]}&limit=2&cursor=${two.nextCursor}`)).json();
      expect([...two.items, ...three.items].map((i: { id: string }) => i.id)).toEqual([
        all[2],
        all[1],
        all[0],
      ]);
      expect(three.nextCursor).toBeNull();
    });

    it('filters by status, type and PSID', async () => {
      const echoes = (await admin(`/admin/events?pageId=${pages[0]}&type=echo`)).json();
      expect(echoes.items).toHaveLength(1);
      const psid = echoes.items[0].psid as string;
      const byUser = (await admin(`/admin/events?pageId=${pages[0]}&psid=${psid}`)).json();
      expect(byUser.items.length).toBeGreaterThanOrEqual(4);
      expect(byUser.items.every((i: { psid: string }) => i.psid === psid)).toBe(true);

      const [firstId] = await idsOf([pages[0]]);
      await setRows([firstId], `status = 'failed', attempts = 5, last_error = 'boom'`);
      const failed = (await admin(`/admin/events?pageId=${pages[0]}&status=failed`)).json();
      expect(failed.items).toEqual([
        expect.objectContaining({ id: firstId, status: 'failed', attempts: 5, lastError: 'boom' }),
      ]);
      expect((await admin(`/admin/events?pageId=${pages[0]}&status=done`)).json().items).toEqual([]);
    });

    it('shows one event with its payload', async () => {
      const [id] = await idsOf([pages[2]]);
      const res = await admin(`/admin/events/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id,
        pageId: pages[2],
        type: 'message',
        payload: { message: { text: 'hello' } },
      });
    });

    it.each(['/admin/events/999999999999', '/admin/events/9223372036854775807'])('answers 404 for %s', async (url) => {
      const res = await admin(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'inbound_event_not_found' });
    });

    it.each(['/admin/events/99999999999999999999', '/admin/events/9223372036854775808', '/admin/events/not-a-number'])(
      'answers 400 naming the id for %s (not an id the table can hold)',
      async (url) => {
        const res = await admin(url);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ code: 'validation_failed', fields: ['id'] });
      },
    );

    it.each([
      ['status=bogus', 'status'],
      ['type=nope', 'type'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=abc', 'cursor'],
      ['cursor=99999999999999999999', 'cursor'],
      ['pageId=abc', 'pageId'],
      ['psid=1;drop', 'psid'],
      ['unknown=1', 'unknown'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const res = await admin(`/admin/events?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().fields).toContain(field);
    });

    it('needs the admin key', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/admin/events', remoteAddress: '10.9.9.9' });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('reconciler', () => {
    it('re-adds the wake-up job of stale pending rows only, and leaves waiting jobs alone', async () => {
      const page = fbId();
      const user = fbId();
      const body = envelope([{ page, messaging: Array.from({ length: 6 }, () => ev.message(page, user)) }]);
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const [lost, waiting, finished, fresh, done, later] = await idsOf([page]);

      await setRows([lost, waiting, finished, done, later], `received_at = now() - interval '10 minutes'`);
      await setRows([done], `status = 'done'`);
      await setRows([later], `next_attempt_at = now() + interval '1 hour'`);
      // The delivery woke its one conversation with the oldest row's job: lost with Redis data now.
      // `waiting` still has a job waiting; `finished` one finished under options that kept it.
      await (await queue.getJob(lost))!.remove();
      await queue.add(JobName.HandleEvent, { eventId: waiting }, { jobId: waiting, removeOnComplete: true });
      await queue.add(
        JobName.HandleEvent,
        { eventId: finished },
        { jobId: finished, removeOnComplete: false },
      );
      // What Bull leaves of a completed job it was told to keep.
      await queue.client
        .multi()
        .lrem(queue.toKey('wait'), 0, finished)
        .zadd(queue.toKey('completed'), Date.now(), finished)
        .hset(queue.toKey(finished), 'finishedOn', Date.now())
        .exec();
      expect((await queue.getJob(finished))?.finishedOn).toBeTruthy();
      const waitingTimestamp = (await queue.getJob(waiting))!.timestamp;

      const result = await t.app.get(InboxReconciler).reconcile();
      expect(result.woken).toBeGreaterThanOrEqual(2);

      const lostJob = await queue.getJob(lost);
      expect(lostJob?.data).toEqual({ eventId: lost });
      expect(await lostJob?.getState()).toBe('waiting');
      const finishedJob = await queue.getJob(finished);
      expect(finishedJob?.finishedOn).toBeFalsy();
      expect(await finishedJob?.getState()).toBe('waiting');
      expect((await queue.getJob(waiting))?.timestamp).toBe(waitingTimestamp);
      expect(await queue.getJob(done)).toBeNull();
      // Not stale yet: the conversation's job covers it.
      expect(await queue.getJob(fresh)).toBeNull();
      // Its retry time has not come: the processor scheduled it, the reconciler leaves it.
      await t.app.get(InboxReconciler).reconcile();
      expect(await queue.getJob(later)).toBeNull();
    });

    it('walks a backlog larger than one batch', async () => {
      const page = fbId();
      const user = fbId();
      const messaging = Array.from({ length: 1_200 }, (_, i) => ev.message(page, user, `m${i}`));
      const body = envelope([{ page, messaging }]);
      // Over the default 1 MiB limit? No: about 200 kB.
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const ids = await idsOf([page]);
      expect(ids).toHaveLength(1_200);
      await setRows(ids, `received_at = now() - interval '10 minutes'`);
      await Promise.all(ids.map(async (id) => (await queue.getJob(id))?.remove()));

      await t.app.get(InboxReconciler).reconcile();
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      expect(jobs.filter((j) => j !== null)).toHaveLength(1_200);
    });
  });

  describe('retention', () => {
    it('deletes old done and ignored rows in batches and keeps the rest', async () => {
      const page = fbId();
      const user = fbId();
      const body = envelope([{ page, messaging: Array.from({ length: 7 }, () => ev.message(page, user)) }]);
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const [oldDone1, oldDone2, oldIgnored, oldFailed, oldPending, recentDone, oldDone3] = await idsOf([
        page,
      ]);
      await setRows([oldDone1, oldDone2, oldDone3, recentDone], `status = 'done', handled_at = now()`);
      await setRows([oldIgnored], `status = 'ignored'`);
      await setRows([oldFailed], `status = 'failed'`);
      await setRows(
        [oldDone1, oldDone2, oldDone3, oldIgnored, oldFailed, oldPending],
        `received_at = now() - interval '8 days'`,
      );

      const deleted = await t.app.get(InboxService).pruneHandled(7, 2);
      expect(deleted).toBeGreaterThanOrEqual(4);
      expect(await idsOf([page])).toEqual([oldFailed, oldPending, recentDone]);
    });
  });
});
