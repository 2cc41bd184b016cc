import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bull';
import type { Job, JobStatus, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { AlertKind } from '../../src/alerts/alert-kind';
import { AlertsService } from '../../src/alerts/alerts.service';
import { GraphApiError } from '../../src/graph/graph-api.error';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import { startTestApp, type TestApp } from '../support/test-app';
import { eventually } from '../support/eventually';

const ADMIN_KEY = 'e2e-alerts-admin-key-0123456789-abcdefghij';
const WEBHOOK_SECRET = 'XyZwebhookSECRETpath0123456789';
const TOKEN = 'EAABsecretPAGEtoken0123456789abcdef';

/** Polls until `probe` returns something truthy; fails with `what` at the deadline. */
interface SlackRequest {
  path: string;
  raw: string;
  body: { text: string; blocks?: unknown[] };
  status: number | 'no answer';
}

/** A local stand-in for Slack's incoming webhook: records every POST, answers as planned per marker. */
class FakeSlack {
  readonly received: SlackRequest[] = [];
  private readonly plans: Array<{ marker: string; answers: Array<number | 'hang'> }> = [];
  private readonly held = new Set<ServerResponse>();

  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  static async start(): Promise<FakeSlack> {
    const slack = new FakeSlack();
    await new Promise<void>((resolve) => slack.server.listen(0, '127.0.0.1', resolve));
    return slack;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/T000/B000/${WEBHOOK_SECRET}`;
  }

  /** The next requests whose body contains `marker` get these answers, then 200. */
  plan(marker: string, answers: Array<number | 'hang'>): void {
    this.plans.push({ marker, answers: [...answers] });
  }

  about(marker: string): SlackRequest[] {
    return this.received.filter((r) => r.raw.includes(marker));
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const plan = this.plans.find((p) => p.answers.length > 0 && raw.includes(p.marker));
      const answer = plan?.answers.shift() ?? 200;
      this.received.push({
        path: req.url ?? '',
        raw,
        body: JSON.parse(raw),
        status: answer === 'hang' ? 'no answer' : answer,
      });
      if (answer === 'hang') {
        this.held.add(res);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'no');
    });
  }
}

// jest.config's per-project testTimeout does not reach tests or hooks; boot and close take seconds.
jest.setTimeout(30_000);

describe('Alerts (e2e)', () => {
  let slack: FakeSlack;
  let t: TestApp;
  let alerts: AlertsService;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    slack = await FakeSlack.start();
    t = await startTestApp({
      ADMIN_API_KEY: ADMIN_KEY,
      ALERT_WEBHOOK_URL: slack.url,
      ALERT_WEBHOOK_TIMEOUT_MS: '300',
      ALERT_DELIVERY_BACKOFF_MS: '50',
      ALERT_DELIVERY_ATTEMPTS: '4',
      ALERT_REPEAT_MINUTES: '60',
      // Other e2e files run apps in parallel on the same Redis: their workers must not take our jobs.
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:alerts-e2e`,
    });
    alerts = t.app.get(AlertsService);
    db = t.app.get(DataSource);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Alerts));
  });

  afterAll(async () => {
    await t?.close();
    await slack?.stop();
  });

  const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN_KEY}` } });

  const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

  async function rowsFor(dedupKey: string) {
    return db.query<
      Array<{ id: string; status: string; occurrences: number; severity: string; details: unknown }>
    >(
      `SELECT id, status, occurrences, severity, details FROM alerts WHERE dedup_key = $1 ORDER BY created_at`,
      [dedupKey],
    );
  }

  async function deliveryJobs(alertId: string): Promise<Job[]> {
    const states: JobStatus[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'];
    const jobs = (await queue.getJobs(states)) as Array<Job | null>;
    return jobs.filter(
      (j): j is Job =>
        j !== null &&
        j.name === (JobName.DeliverAlert as string) &&
        (j.data as { alertId: string }).alertId === alertId,
    );
  }

  /** Every delivery job of the alert has finished (completed or failed for good). */
  async function deliveriesSettled(alertId: string): Promise<Job[] | false> {
    const jobs = await deliveryJobs(alertId);
    const states = await Promise.all(jobs.map((j) => j.getState()));
    if (jobs.length === 0 || !states.every((s) => s === 'completed' || s === 'failed')) return false;
    // Read them again: the listing above may predate the last attempt.
    return (await Promise.all(jobs.map((j) => queue.getJob(j.id)))).filter((j): j is Job => j !== null);
  }

  it('counts 50 concurrent raises of one key on one open alert, delivered exactly once', async () => {
    const pageId = unique('page');
    const title = unique('Send failures');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        alerts.raise({
          kind: AlertKind.SendFailed,
          severity: 'warning',
          pageId,
          title,
          details: { attempt: i },
        }),
      ),
    );
    expect(results.every((r) => r === undefined)).toBe(true);

    const rows = await rowsFor(alerts.dedupKeyFor(AlertKind.SendFailed, pageId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'open', occurrences: 50 });

    // raise() has queued any job it claimed before returning, so once these settle no more can come.
    const jobs = await eventually('the delivery to settle', () => deliveriesSettled(rows[0].id));
    expect(jobs).toHaveLength(1);
    expect(slack.about(rows[0].id)).toHaveLength(1);
    expect(slack.about(rows[0].id)[0]).toMatchObject({
      status: 200,
      path: `/services/T000/B000/${WEBHOOK_SECRET}`,
    });
    expect(slack.about(rows[0].id)[0].body.text).toContain(title);

    const logLines = t.logs.filter((l) => l.includes(`Alert: ${title}`)).map((l) => JSON.parse(l));
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({ level: 40, alert: { id: rows[0].id, kind: 'send_failed', pageId } });
  });

  it('retries a webhook that answers 500, and the caller never sees the failure', async () => {
    const title = unique('Token rejected');
    const pageId = unique('page');
    slack.plan(title, [500, 500]);
    await expect(
      alerts.raise({ kind: AlertKind.PageTokenInvalid, severity: 'critical', pageId, title }),
    ).resolves.toBeUndefined();

    const delivered = await eventually('a successful delivery', () =>
      slack.about(title).find((r) => r.status === 200),
    );
    expect(slack.about(title).map((r) => r.status)).toEqual([500, 500, 200]);
    expect(delivered.body.text).toContain('[CRITICAL]');
    const [{ id: alertId }] = await rowsFor(alerts.dedupKeyFor(AlertKind.PageTokenInvalid, pageId));
    const [job] = await eventually('the job to settle', () => deliveriesSettled(alertId));
    expect(job.attemptsMade).toBe(2);
    expect(await job.getState()).toBe('completed');
    // The log sink writes once, not once per attempt.
    expect(t.logs.filter((l) => l.includes(`Alert: ${title}`))).toHaveLength(1);
    expect(
      t.logs.filter((l) => l.includes('Alert job failed; will retry') && l.includes(alertId)),
    ).toHaveLength(2);
  });

  it('retries a webhook that does not answer within ALERT_WEBHOOK_TIMEOUT_MS', async () => {
    const title = unique('Slow sink');
    slack.plan(title, ['hang']);
    await alerts.raise({
      kind: AlertKind.QueueBacklog,
      severity: 'warning',
      title,
      dedupKey: unique('backlog'),
    });
    await eventually('a successful delivery', () => slack.about(title).find((r) => r.status === 200));
    expect(slack.about(title).map((r) => r.status)).toEqual(['no answer', 200]);
  });

  it('gives up after ALERT_DELIVERY_ATTEMPTS and logs that at error level', async () => {
    const title = unique('Sink down');
    const dedupKey = unique('sink-down');
    slack.plan(title, [503, 503, 503, 503]);
    await alerts.raise({ kind: AlertKind.WebhookErrors, severity: 'warning', title, dedupKey });
    const [row] = await rowsFor(dedupKey);
    const [job] = await eventually('the job to fail for good', () => deliveriesSettled(row.id));
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(4);
    expect(slack.about(title)).toHaveLength(4);
    const finalLine = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'Alert job failed for good' && l.alert?.id === row.id);
    expect(finalLine).toMatchObject({ level: 50, error: { message: 'Alert webhook answered HTTP 503' } });
  });

  it('delivers repeats of an open alert again only after ALERT_REPEAT_MINUTES, once per window', async () => {
    const dedupKey = unique('repeat');
    const title = unique('Events failing');
    const raise = () => alerts.raise({ kind: AlertKind.EventFailed, severity: 'warning', title, dedupKey });
    await raise();
    const [row] = await rowsFor(dedupKey);
    await eventually('the first delivery', () => deliveriesSettled(row.id));
    await raise();
    expect(await deliveryJobs(row.id)).toHaveLength(1);

    // The window has passed: move the last delivery back instead of waiting an hour.
    await db.query(`UPDATE alerts SET last_delivered_at = now() - interval '61 minutes' WHERE id = $1`, [
      row.id,
    ]);
    await Promise.all(Array.from({ length: 20 }, () => raise()));
    const jobs = await eventually('the repeat delivery', async () => {
      const settled = await deliveriesSettled(row.id);
      return settled && settled.length === 2 ? settled : false;
    });
    expect(jobs.map((j) => (j.data as { occurrence: number }).occurrence).sort((a, b) => a - b)[0]).toBe(1);
    expect((await rowsFor(dedupKey))[0].occurrences).toBe(22);
    await eventually('two webhook posts', () => slack.about(row.id).length === 2);
    expect(slack.about(row.id)[1].body.text).toMatch(/seen \d+ times/);
    await raise();
    expect(await deliveryJobs(row.id)).toHaveLength(2);
  });

  it('delivers at once when a warning escalates to critical', async () => {
    const dedupKey = unique('escalate');
    await alerts.raise({
      kind: AlertKind.WebhookErrors,
      severity: 'warning',
      title: 'Some errors',
      dedupKey,
    });
    await alerts.raise({
      kind: AlertKind.WebhookErrors,
      severity: 'critical',
      title: 'Many errors',
      dedupKey,
    });
    const [row] = await rowsFor(dedupKey);
    expect(row).toMatchObject({ severity: 'critical', occurrences: 2 });
    expect(await deliveryJobs(row.id)).toHaveLength(2);
  });

  it('acknowledges and resolves through the admin API; after resolve the next raise opens a new alert', async () => {
    const pageId = unique('page');
    const raise = () =>
      alerts.raise({
        kind: AlertKind.PageUnsubscribed,
        severity: 'warning',
        pageId,
        title: 'Subscription lost',
      });
    await raise();
    const dedupKey = alerts.dedupKeyFor(AlertKind.PageUnsubscribed, pageId);
    const [first] = await rowsFor(dedupKey);

    const acked = await admin('POST', `/admin/alerts/${first.id}/ack`, { by: 'alice' });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ id: first.id, status: 'acknowledged', acknowledgedBy: 'alice' });
    expect(acked.json().acknowledgedAt).toEqual(expect.any(String));

    // Acknowledged: still deduplicated and counted, never paged again even after the repeat window.
    await db.query(`UPDATE alerts SET last_delivered_at = now() - interval '2 hours' WHERE id = $1`, [
      first.id,
    ]);
    await raise();
    expect(await rowsFor(dedupKey)).toEqual([
      expect.objectContaining({ id: first.id, status: 'acknowledged', occurrences: 2 }),
    ]);
    expect(await deliveryJobs(first.id)).toHaveLength(1);

    expect((await admin('POST', `/admin/alerts/${first.id}/ack`)).json()).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'alice',
    });

    const resolved = await admin('POST', `/admin/alerts/${first.id}/resolve`);
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    expect((await admin('POST', `/admin/alerts/${first.id}/resolve`)).statusCode).toBe(200);
    const late = await admin('POST', `/admin/alerts/${first.id}/ack`, {});
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'alert_resolved' });

    await raise();
    const rows = await rowsFor(dedupKey);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ status: 'open', occurrences: 1 });
    expect(rows[1].id).not.toBe(first.id);
    expect(await deliveryJobs(rows[1].id)).toHaveLength(1);
  });

  it('resolve(dedupKey) closes the alert when the condition clears, and never throws', async () => {
    const pageId = unique('page');
    const dedupKey = alerts.dedupKeyFor(AlertKind.PageTokenInvalid, pageId);
    await alerts.raise({
      kind: AlertKind.PageTokenInvalid,
      severity: 'critical',
      pageId,
      title: 'Token invalid',
    });
    await expect(alerts.resolve(dedupKey)).resolves.toBeUndefined();
    await expect(alerts.resolve(dedupKey)).resolves.toBeUndefined();
    await expect(alerts.resolve('no-such-key')).resolves.toBeUndefined();
    const [closed] = await rowsFor(dedupKey);
    expect(closed.status).toBe('resolved');
    await alerts.raise({
      kind: AlertKind.PageTokenInvalid,
      severity: 'critical',
      pageId,
      title: 'Token invalid',
    });
    expect((await rowsFor(dedupKey)).map((r) => r.status)).toEqual(['resolved', 'open']);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = randomUUID();
    for (const [method, url] of [
      ['GET', `/admin/alerts/${unknown}`],
      ['POST', `/admin/alerts/${unknown}/ack`],
      ['POST', `/admin/alerts/${unknown}/resolve`],
    ] as const) {
      const res = await admin(method, url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ statusCode: 404, code: 'alert_not_found' });
    }
    for (const [method, url] of [
      ['GET', '/admin/alerts/not-a-uuid'],
      ['POST', '/admin/alerts/123/ack'],
      ['POST', '/admin/alerts/123/resolve'],
    ] as const) {
      expect((await admin(method, url)).statusCode).toBe(400);
    }
    expect((await admin('POST', `/admin/alerts/${unknown}/ack`, { by: '' })).statusCode).toBe(400);
    expect((await admin('POST', `/admin/alerts/${unknown}/ack`, { who: 'x' })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/admin/alerts' })).statusCode).toBe(401);
  });

  it('lists newest first with filters and cursor paging, and rejects bad filters with 400', async () => {
    const pageId = unique('page');
    const kinds = [
      AlertKind.SendFailed,
      AlertKind.PagePaused,
      AlertKind.SendFailed,
      AlertKind.PagePaused,
      AlertKind.SendFailed,
    ];
    for (const [i, kind] of kinds.entries()) {
      await alerts.raise({
        kind,
        severity: 'warning',
        pageId,
        title: `List ${i}`,
        dedupKey: `${pageId}:${i}`,
      });
    }
    const expected = (
      await db.query<Array<{ id: string }>>(
        `SELECT id FROM alerts WHERE page_id = $1 ORDER BY created_at DESC, id DESC`,
        [pageId],
      )
    ).map((r) => r.id);
    expect(expected).toHaveLength(5);

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await admin(
        'GET',
        `/admin/alerts?pageId=${pageId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json<{ items: Array<{ id: string; title: string }>; nextCursor: string | null }>();
      seen.push(...body.items.map((a) => a.id));
      pages.push(body.items.length);
      cursor = body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(expected);

    const paused = (await admin('GET', `/admin/alerts?pageId=${pageId}&kind=page_paused`)).json();
    expect(paused.items.map((a: { kind: string }) => a.kind)).toEqual(['page_paused', 'page_paused']);
    expect(paused.nextCursor).toBeNull();

    await admin('POST', `/admin/alerts/${expected[4]}/ack`);
    await admin('POST', `/admin/alerts/${expected[3]}/resolve`);
    const byStatus = async (status: string) =>
      (await admin('GET', `/admin/alerts?pageId=${pageId}&status=${status}`))
        .json()
        .items.map((a: { id: string }) => a.id);
    expect(await byStatus('acknowledged')).toEqual([expected[4]]);
    expect(await byStatus('resolved')).toEqual([expected[3]]);
    expect(await byStatus('open')).toEqual(expected.slice(0, 3));

    for (const query of [
      'status=closed',
      'kind=nope',
      'limit=0',
      'limit=101',
      'limit=two',
      'cursor=garbage',
      'color=red',
    ]) {
      const res = await admin('GET', `/admin/alerts?${query}`);
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
  });

  it('prunes resolved alerts older than ALERT_RETENTION_DAYS, in batches, on an hourly repeatable job', async () => {
    const repeatable = await queue.getRepeatableJobs();
    expect(repeatable).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: JobName.PruneAlerts, every: 3_600_000 })]),
    );

    const tag = unique('retention');
    // More than one delete batch (1000) of old resolved alerts, plus two that must stay.
    await db.query(
      `INSERT INTO alerts (kind, severity, title, dedup_key, status, resolved_at, created_at)
       SELECT 'send_failed', 'warning', $1, $1 || ':' || n, 'resolved', now() - interval '31 days', now() - interval '90 days'
       FROM generate_series(1, 2500) AS n`,
      [tag],
    );
    await db.query(
      `INSERT INTO alerts (kind, severity, title, dedup_key, status, resolved_at)
       VALUES ('send_failed', 'warning', $1, $1 || ':recent', 'resolved', now() - interval '29 days'),
              ('send_failed', 'warning', $1, $1 || ':open', 'open', NULL)`,
      [tag],
    );

    await queue.add(JobName.PruneAlerts, {});
    const left = await eventually('the old resolved alerts to be pruned', async () => {
      const rows = await db.query<Array<{ dedup_key: string }>>(
        `SELECT dedup_key FROM alerts WHERE title = $1`,
        [tag],
      );
      return rows.length === 2 ? rows.map((r) => r.dedup_key).sort() : false;
    });
    expect(left).toEqual([`${tag}:open`, `${tag}:recent`]);
  });

  it('never stores, delivers, shows or logs a secret', async () => {
    // Facebook sometimes echoes the request URL, token included, in its error message.
    const graphError = new GraphApiError({
      httpStatus: 400,
      code: 190,
      type: 'OAuthException',
      fbtraceId: 'AbCdEf',
      message: `Invalid OAuth access token: https://graph.facebook.com/v23.0/me/messages?access_token=${TOKEN}`,
    });
    const pageId = unique('page');
    await alerts.raise({
      kind: AlertKind.PageTokenInvalid,
      severity: 'critical',
      pageId,
      title: `Token rejected for access_token=${TOKEN}`,
      details: {
        error: graphError.toJSON(),
        accessToken: TOKEN,
        request: { headers: { authorization: `Bearer ${TOKEN}` }, nested: { page_token: TOKEN } },
        cause: graphError,
      },
    });
    const [row] = await db.query<Array<Record<string, unknown>>>(`SELECT * FROM alerts WHERE page_id = $1`, [
      pageId,
    ]);
    const id = row.id as string;
    expect(row.details).toMatchObject({
      error: { code: 190, fbtraceId: 'AbCdEf', kind: 'auth' },
      accessToken: '[REDACTED]',
    });
    expect(JSON.stringify(row)).not.toContain(TOKEN);

    const delivered = await eventually('the webhook post', () =>
      slack.about(id).find((r) => r.status === 200),
    );
    expect(delivered.raw).toContain('fbtraceId');
    expect(delivered.raw).not.toContain(TOKEN);

    const view = await admin('GET', `/admin/alerts/${id}`);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      id,
      pageId,
      severity: 'critical',
      details: { error: { code: 190 } },
    });
    expect(view.body).not.toContain(TOKEN);
    expect((await admin('GET', `/admin/alerts?pageId=${pageId}`)).body).not.toContain(TOKEN);

    const jobs = await deliveryJobs(id);
    expect(jobs.map((j) => j.data)).toEqual([{ alertId: id, occurrence: 1 }]);

    const logs = t.logs.join('\n');
    expect(logs).toContain(id);
    expect(logs).not.toContain(TOKEN);
    // The webhook URL's secret path is never logged either, even after failed deliveries above.
    expect(logs).not.toContain(WEBHOOK_SECRET);
  });
});
