import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Child, freePort } from '../lib/children';
import type { RunContext } from '../lib/context';
import { withClient } from '../lib/database';
import { type LatencySummary, summarize } from '../lib/latency';
import { openLoop, WebhookTarget } from '../lib/load';
import { registerPage, startPlatform } from '../lib/platform';
import { TransactionSampler } from '../lib/pg-sampler';
import { cpuDelta, cpuMs, cpuMsByPid, rssMb } from '../lib/proc';
import type { SignedBody } from '../lib/webhook-bodies';
import { type FakeGraphPage, type FromFakeGraph, markerText } from '../processes/protocol';

/** Replies the fake Graph API saw, by marker, with the time each POST was scheduled. */
class ReplyTracker {
  private readonly sentAt: number[] = [];
  private readonly receivedAt: number[] = [];
  replies = 0;
  duplicates = 0;
  /** Message sends the fake Graph API answered with an error (it should answer none). */
  rejectedReplies = 0;
  graphCalls = 0;
  failedGraphCalls = 0;

  sent(marker: number, epochMs: number): void {
    this.sentAt[marker] = epochMs;
  }

  observe(message: Extract<FromFakeGraph, { type: 'observed' }>): void {
    this.graphCalls = message.calls;
    this.failedGraphCalls = message.failedCalls;
    for (const [marker, at, status] of message.replies) {
      if (status !== 200) this.rejectedReplies++;
      else if (this.receivedAt[marker] !== undefined) this.duplicates++;
      else {
        this.receivedAt[marker] = at;
        this.replies++;
      }
    }
  }

  /** Replies received so far for markers first..last (inclusive). */
  received(first: number, last: number): number {
    let n = 0;
    for (let m = first; m <= last; m++) if (this.receivedAt[m] !== undefined) n++;
    return n;
  }

  /** Events of markers first..last sent by `epochMs` and not replied to by then. */
  backlogAt(first: number, last: number, epochMs: number): number {
    let backlog = 0;
    for (let m = first; m <= last; m++) {
      if (this.sentAt[m] <= epochMs) backlog++;
      const at = this.receivedAt[m];
      if (at !== undefined && at <= epochMs) backlog--;
    }
    return backlog;
  }

  /** POST scheduled → fake Graph received the reply, ms, for the replies received so far. */
  latencies(first: number, last: number): number[] {
    const out: number[] = [];
    for (let m = first; m <= last; m++) {
      const at = this.receivedAt[m];
      if (at !== undefined) out.push(at - this.sentAt[m]);
    }
    return out;
  }
}

interface Snapshot {
  /** performance.now() */
  at: number;
  redisCalls: number;
  webCpuMs: number;
  workerCpuMs: number;
  /** By backend pid; undefined when Postgres is not on this machine. */
  postgresCpuMs?: Map<number, number>;
  redisCpuMs?: number;
  replies: number;
}

export interface StepCost {
  /** Events handled in the window (replies the fake Graph API received). */
  events: number;
  pgXactsPerEvent: number | null;
  redisCommandsPerEvent: number | null;
  webCpuMsPerEvent: number | null;
  workerCpuMsPerEvent: number | null;
  /** web + worker */
  cpuMsPerEvent: number | null;
  /** The database's Postgres backends (not the shared background processes); null when not measurable. */
  postgresCpuMsPerEvent: number | null;
  /** The private redis-server; null with a shared Redis. */
  redisCpuMsPerEvent: number | null;
}

export interface StepResult {
  rate: number;
  seconds: number;
  sent: number;
  sentPerSecond: number;
  dropped: number;
  webhook: { ok: number; errors: Record<string, number>; latency: LatencySummary };
  repliesAtStepEnd: number;
  repliesAfterGrace: number;
  /** Events not replied to yet, half-way through the step and at its end: flat when replies keep up. */
  backlogMid: number;
  backlogEnd: number;
  /** Webhook POST scheduled → reply received by the fake Graph API, ms; null = not reached in the grace. */
  replyLatency: LatencySummary;
  sustained: boolean;
  reason?: string;
  cost: StepCost;
}

export interface EndToEndResult {
  pages: number;
  conversations: number;
  stepSeconds: number;
  graceSeconds: number;
  steps: StepResult[];
  /** The highest step rate whose replies kept up; null if none did. */
  highestSustained: number | null;
  /** That rate again for BENCH_CONFIRM_SECONDS (the 30 s), when it is not 0. */
  confirmation?: StepResult;
  duplicates: number;
  rejectedReplies: number;
  graphCalls: number;
  failedGraphCalls: number;
  /** Other clients of the same Redis during the steps: their commands inflate redisCommandsPerEvent. */
  foreignRedisClients: number;
  rssMb: { web?: number; worker?: number; fakeGraph?: number };
  /**
   * pg_stat_user_tables of the phase's database at the end (since it was created, seeding included):
   * a table whose rows are read by sequential scans at every event shows here.
   */
  tableScans: Record<string, { seqScans: number; seqRowsRead: number; indexScans: number }>;
  /** Rows by status at the end (the run's events only). */
  inbox: Record<string, number>;
  outbox: Record<string, number>;
}

const perEvent = (delta: number | undefined, events: number): number | null =>
  delta !== undefined && events > 0 ? delta / events : null;

/**
 * Web + worker + fake Graph API processes on one database, 2 Pages registered through the admin API,
 * `conversations` PSIDs, the example bot. Drives open-loop steps and measures replies and costs.
 */
export class EndToEnd {
  private readonly tracker = new ReplyTracker();
  private readonly target: WebhookTarget;
  private marker = 0;
  private foreignClients = 0;

  private constructor(
    private readonly ctx: RunContext,
    private readonly phase: string,
    private readonly database: { name: string; url: string },
    private readonly graph: Child,
    readonly web: Child,
    readonly worker: Child,
    private readonly conversations: Array<{ pageId: string; psid: string }>,
  ) {
    this.target = new WebhookTarget(web.baseUrl, 512);
  }

  static async start(
    ctx: RunContext,
    phase: string,
    database: { name: string; url: string },
  ): Promise<EndToEnd> {
    const { options, secrets } = ctx;
    const pageCount = 2;
    const graphPort = await freePort();
    const graph = ctx.group.start(
      `${phase}-fake-graph`,
      join(ctx.childDir, 'fake-graph.js'),
      {
        PORT: String(graphPort),
        FB_APP_ID: secrets.appId,
        FB_APP_SECRET: secrets.appSecret,
        BENCH_PAGES: String(pageCount),
        BENCH_PSIDS_PER_PAGE: String(Math.ceil(options.conversations / pageCount)),
      },
      graphPort,
      true,
    );
    const pending: FromFakeGraph[] = [];
    graph.proc.on('message', (message: FromFakeGraph) => pending.push(message));
    const ready = await new Promise<Extract<FromFakeGraph, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake Graph API not ready:\n${graph.logTail()}`)),
        30_000,
      );
      const check = (message: FromFakeGraph) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message);
      };
      graph.proc.on('message', check);
      void graph.exited.then(() => reject(new Error(`fake Graph API exited:\n${graph.logTail()}`)));
    });
    const settings = ctx.platform(database.url, phase, ready.baseUrl);
    const [web, worker] = await Promise.all([
      startPlatform(ctx.group, `${phase}-web`, settings, 'web'),
      startPlatform(ctx.group, `${phase}-worker`, settings, 'worker'),
    ]);
    for (const page of ready.pages) await registerPage(web, secrets.adminApiKey, page.id, page.token);
    const run = new EndToEnd(
      ctx,
      phase,
      database,
      graph,
      web,
      worker,
      conversationsOf(ready.pages, options.conversations),
    );
    graph.proc.removeAllListeners('message');
    graph.proc.on('message', (message: FromFakeGraph) => {
      if (message.type === 'observed') run.tracker.observe(message);
    });
    for (const message of pending) if (message.type === 'observed') run.tracker.observe(message);
    return run;
  }

  private event(scheduledEpochMs: number): SignedBody {
    const n = ++this.marker;
    const conversation = this.conversations[n % this.conversations.length];
    this.tracker.sent(n, scheduledEpochMs);
    return this.ctx.signer.message({
      pageId: conversation.pageId,
      psid: conversation.psid,
      mid: `m_bench_${this.ctx.runId}_${this.phase}_${n}`,
      text: markerText(n),
      timestampMs: Math.round(scheduledEpochMs),
    });
  }

  /** Until every reply of markers first..last came, or `ms` passed; returns the count received. */
  private async waitForReplies(first: number, last: number, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const received = this.tracker.received(first, last);
      if (received >= last - first + 1 || Date.now() >= deadline) return received;
      await sleep(50);
    }
  }

  /** A few seconds at a low rate (JIT, pools, prepared statements); every reply must come. */
  async warmUp(): Promise<void> {
    const { rates, warmupSeconds } = this.ctx.options;
    const first = this.marker + 1;
    await openLoop(this.target, (_seq, at) => this.event(at), Math.min(rates[0], 50), warmupSeconds);
    const received = await this.waitForReplies(first, this.marker, 30_000);
    if (received < this.marker - first + 1) {
      throw new Error(
        `warm-up: ${received} of ${this.marker - first + 1} replies reached the fake Graph API in 30 s.\n` +
          `worker log:\n${this.worker.logTail()}\nweb log:\n${this.web.logTail(5)}`,
      );
    }
  }

  private async snapshot(): Promise<Snapshot> {
    const at = performance.now();
    const replies = this.tracker.replies;
    const webCpuMs = cpuMs(this.web.pid);
    const workerCpuMs = cpuMs(this.worker.pid);
    const redisCpuMs = this.ctx.redisPid === undefined ? undefined : cpuMs(this.ctx.redisPid);
    return {
      at,
      replies,
      webCpuMs,
      workerCpuMs,
      redisCpuMs,
      redisCalls: await this.ctx.redis.commandCalls(),
      postgresCpuMs: cpuMsByPid(await this.ctx.databases.backendPids(this.database.name)),
    };
  }

  /** One open-loop step of `rate` events/s for `seconds`, then up to `grace` seconds for its replies. */
  async step(rate: number, stepSeconds = this.ctx.options.stepSeconds): Promise<StepResult> {
    const { graceSeconds } = this.ctx.options;
    const first = this.marker + 1;
    const startedAt = Date.now();
    // Costs are read under load, once the step has settled and at its end (Postgres transactions from
    // samples taken all along: see TransactionSampler).
    const settleMs = Math.min(2_000, (stepSeconds * 1000) / 4);
    const sampler = new TransactionSampler(this.ctx.databases, this.database.name);
    const early = sleep(settleMs).then(() => this.snapshot());
    const load = await openLoop(this.target, (_seq, at) => this.event(at), rate, stepSeconds);
    const after = await this.snapshot();
    const before = await early;
    await sampler.stop();
    const endedAt = Date.now();
    const last = this.marker;
    const sent = last - first + 1;
    const repliesAtStepEnd = this.tracker.received(first, last);
    const repliesAfterGrace = await this.waitForReplies(first, last, graceSeconds * 1000);
    const backlogMid = this.tracker.backlogAt(first, last, (startedAt + endedAt) / 2);
    const backlogEnd = this.tracker.backlogAt(first, last, endedAt);
    // Replies keep up when the backlog does not grow over the second half (10 % of its events, at least 5).
    const allowedGrowth = Math.max(5, (0.1 * rate * stepSeconds) / 2);
    const replyLatency = summarize(this.tracker.latencies(first, last), sent);
    this.foreignClients = Math.max(
      this.foreignClients,
      await this.ctx.redis.foreignClients([this.web.pid, this.worker.pid]),
    );

    const events = after.replies - before.replies;
    const webCpu = after.webCpuMs - before.webCpuMs;
    const workerCpu = after.workerCpuMs - before.workerCpuMs;
    const errors = Object.values(load.errors).reduce((a, b) => a + b, 0);
    const reasons = [
      errors > 0 ? `${errors} webhook errors` : '',
      load.dropped > 0 ? `${load.dropped} requests not sent (too many in flight)` : '',
      load.sentPerSecond < rate * 0.95 ? `the bench sent only ${load.sentPerSecond.toFixed(0)}/s` : '',
      repliesAfterGrace < sent * 0.99
        ? `${sent - repliesAfterGrace} of ${sent} replies missing ${graceSeconds} s after the step`
        : '',
      backlogEnd - backlogMid > allowedGrowth ? `backlog grew from ${backlogMid} to ${backlogEnd}` : '',
    ].filter(Boolean);
    return {
      rate,
      seconds: stepSeconds,
      sent,
      sentPerSecond: load.sentPerSecond,
      dropped: load.dropped,
      webhook: { ok: load.ok, errors: load.errors, latency: load.latency },
      repliesAtStepEnd,
      repliesAfterGrace,
      backlogMid,
      backlogEnd,
      replyLatency,
      sustained: reasons.length === 0,
      reason: reasons.join('; ') || undefined,
      cost: {
        events,
        pgXactsPerEvent: perEvent(sampler.between(before.at, after.at), events),
        // Minus the bench's own INFO of the first snapshot.
        redisCommandsPerEvent: perEvent(after.redisCalls - before.redisCalls - 1, events),
        webCpuMsPerEvent: perEvent(webCpu, events),
        workerCpuMsPerEvent: perEvent(workerCpu, events),
        cpuMsPerEvent: perEvent(webCpu + workerCpu, events),
        postgresCpuMsPerEvent: perEvent(cpuDelta(before.postgresCpuMs, after.postgresCpuMs), events),
        redisCpuMsPerEvent: perEvent(
          after.redisCpuMs === undefined || before.redisCpuMs === undefined
            ? undefined
            : after.redisCpuMs - before.redisCpuMs,
          events,
        ),
      },
    };
  }

  /** step(), logged. */
  async loggedStep(rate: number, seconds = this.ctx.options.stepSeconds): Promise<StepResult> {
    this.ctx.log(`${this.phase}: step ${rate} events/s for ${seconds} s`);
    const result = await this.step(rate, seconds);
    this.ctx.log(
      `${this.phase}: ${rate}/s sent ${result.sent}, replies ${result.repliesAtStepEnd} at end, ` +
        `${result.repliesAfterGrace} after grace, p99 ${result.replyLatency.p99?.toFixed(0) ?? '-'} ms` +
        (result.sustained ? '' : ` (not kept up: ${result.reason})`),
    );
    return result;
  }

  /** Steps at `rates` in order, stopping after the first one that does not keep up. */
  async steps(rates: number[]): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const rate of rates) {
      const result = await this.loggedStep(rate);
      results.push(result);
      if (!result.sustained) break;
    }
    return results;
  }

  /** RSS, the run's rows by status, then stops the three processes. */
  async finish(steps: StepResult[], confirmation?: StepResult): Promise<EndToEndResult> {
    const rss = {
      web: rssMb(this.web.pid),
      worker: rssMb(this.worker.pid),
      fakeGraph: rssMb(this.graph.pid),
    };
    const counts = await withClient(this.database.url, async (client) => {
      const scans = await client.query<{
        relname: string;
        seq_scan: string;
        seq_tup_read: string;
        idx_scan: string;
      }>(
        `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan FROM pg_stat_user_tables
         WHERE seq_scan > 0 OR idx_scan > 0 ORDER BY relname`,
      );
      const tableScans = Object.fromEntries(
        scans.rows.map((r) => [
          r.relname,
          {
            seqScans: Number(r.seq_scan),
            seqRowsRead: Number(r.seq_tup_read),
            indexScans: Number(r.idx_scan),
          },
        ]),
      );
      const byStatus = async (sql: string) =>
        Object.fromEntries(
          (await client.query<{ status: string; n: string }>(sql)).rows.map((r) => [r.status, Number(r.n)]),
        );
      return {
        inbox: await byStatus(
          `SELECT status, count(*) AS n FROM inbound_events WHERE dedup_key NOT LIKE 'bench-old-%' GROUP BY status`,
        ),
        outbox: await byStatus(`SELECT status, count(*) AS n FROM outbound_messages GROUP BY status`),
        tableScans,
      };
    });
    await this.close();
    const sustained = steps.filter((s) => s.sustained).map((s) => s.rate);
    return {
      pages: 2,
      conversations: this.conversations.length,
      stepSeconds: this.ctx.options.stepSeconds,
      graceSeconds: this.ctx.options.graceSeconds,
      steps,
      highestSustained: sustained.length > 0 ? Math.max(...sustained) : null,
      confirmation,
      duplicates: this.tracker.duplicates,
      rejectedReplies: this.tracker.rejectedReplies,
      graphCalls: this.tracker.graphCalls,
      failedGraphCalls: this.tracker.failedGraphCalls,
      foreignRedisClients: this.foreignClients,
      rssMb: rss,
      ...counts,
    };
  }

  async close(): Promise<void> {
    await this.target.close().catch(() => undefined);
    await Promise.all([this.web.stop(), this.worker.stop()]);
    await this.graph.stop();
  }
}

/** Conversations alternate between the Pages: conversation i is PSID i/pages of Page i%pages. */
function conversationsOf(pages: FakeGraphPage[], count: number): Array<{ pageId: string; psid: string }> {
  return Array.from({ length: count }, (_, i) => {
    const page = pages[i % pages.length];
    return { pageId: page.id, psid: page.psids[Math.floor(i / pages.length)] };
  });
}

/** Scenario 2: warm-up, then the stepped rates until one is not kept up with. */
export async function runEndToEnd(ctx: RunContext): Promise<EndToEndResult> {
  const db = await ctx.databases.clone('e2e');
  const run = await EndToEnd.start(ctx, 'e2e', db);
  try {
    ctx.log('e2e: warm-up');
    await run.warmUp();
    const steps = await run.steps(ctx.options.rates);
    const sustained = steps.filter((s) => s.sustained).map((s) => s.rate);
    const confirmation =
      sustained.length > 0 && ctx.options.confirmSeconds > 0
        ? await run.loggedStep(Math.max(...sustained), ctx.options.confirmSeconds)
        : undefined;
    return await run.finish(steps, confirmation);
  } finally {
    await run.close();
  }
}
