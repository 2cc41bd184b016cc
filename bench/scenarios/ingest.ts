import { join } from 'node:path';
import { type Child, freePort, waitHealthy } from '../lib/children';
import type { RunContext } from '../lib/context';
import { closedLoop, type LoadResult, openLoop, type OpenLoopResult, WebhookTarget } from '../lib/load';
import { TransactionSampler } from '../lib/pg-sampler';
import { startPlatform } from '../lib/platform';
import { cpuMs, rssMb } from '../lib/proc';
import type { SignedBody } from '../lib/webhook-bodies';
import { markerText } from '../processes/protocol';

export interface ClosedLoopMeasure extends LoadResult {
  /** CPU time the server process used per answered request, ms. */
  cpuMsPerRequest: number;
  /** Platform only: its database's transactions and Redis commands per answered request. */
  pgXactsPerRequest?: number;
  redisCommandsPerRequest?: number;
}

export interface ClosedLoopSettings {
  seconds?: number;
  warmupSeconds?: number;
  /** The platform's database: count its transactions (and Redis commands) over the measure. */
  database?: string;
}

export interface IngestResult {
  connections: number;
  seconds: number;
  baseline: ClosedLoopMeasure;
  platform: ClosedLoopMeasure;
  /** platform req/s / baseline req/s */
  ratio: number;
  openLoop: {
    requestedRate: number;
    rate: number;
    /** Why the rate is lower than requested (the platform's closed-loop maximum is below it). */
    lowered?: string;
    baseline: OpenLoopResult;
    platform: OpenLoopResult;
  };
  rssMb: { baseline?: number; web?: number };
}

/** Unique single-event bodies for `pageIds`, spread over `conversations` senders. */
export function ingestBodies(ctx: RunContext, phase: string, pageIds: string[]): () => SignedBody {
  let seq = 0;
  const conversations = ctx.options.conversations;
  return () => {
    seq++;
    const page = pageIds[seq % pageIds.length];
    return ctx.signer.message({
      pageId: page,
      psid: String(3_100_000_000_000 + (seq % conversations)),
      mid: `m_bench_${ctx.runId}_${phase}_${seq}`,
      text: markerText(seq),
      timestampMs: Date.now(),
    });
  };
}

/** Warm-up, then `seconds` of closed-loop load against one server process. */
export async function measureClosedLoop(
  ctx: RunContext,
  server: Child,
  next: () => SignedBody,
  settings: ClosedLoopSettings = {},
): Promise<ClosedLoopMeasure> {
  const { connections } = ctx.options;
  const {
    seconds = ctx.options.ingestSeconds,
    warmupSeconds = ctx.options.warmupSeconds,
    database,
  } = settings;
  const target = new WebhookTarget(server.baseUrl, connections);
  let sampler: TransactionSampler | undefined;
  try {
    await closedLoop(target, next, connections, warmupSeconds);
    sampler = database === undefined ? undefined : new TransactionSampler(ctx.databases, database);
    const redisBefore = sampler ? await ctx.redis.commandCalls() : 0;
    const cpuBefore = cpuMs(server.pid);
    const from = performance.now();
    const result = await closedLoop(target, next, connections, seconds);
    const to = performance.now();
    const cpu = cpuMs(server.pid) - cpuBefore;
    const perRequest = (n: number) => n / Math.max(result.ok, 1);
    if (!sampler) return { ...result, cpuMsPerRequest: perRequest(cpu) };
    const redis = (await ctx.redis.commandCalls()) - redisBefore - 1; // minus the bench's first INFO
    await sampler.stop();
    const transactions = sampler.between(from, to);
    return {
      ...result,
      cpuMsPerRequest: perRequest(cpu),
      pgXactsPerRequest: transactions === undefined ? undefined : perRequest(transactions),
      redisCommandsPerRequest: perRequest(redis),
    };
  } finally {
    await sampler?.stop();
    await target.close();
  }
}

async function measureOpenLoop(
  server: Child,
  next: () => SignedBody,
  rate: number,
  seconds: number,
): Promise<OpenLoopResult> {
  const target = new WebhookTarget(server.baseUrl, 512);
  try {
    return await openLoop(target, () => next(), rate, seconds);
  } finally {
    await target.close();
  }
}

/** A round rate at most `max`: 1,000 → 1000, 737 → 700, 84 → 80. */
function roundDown(max: number): number {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(max, 1))));
  return Math.max(1, Math.floor(max / magnitude) * magnitude);
}

/**
 * Scenario 1: the bare Fastify + HMAC baseline and the platform's web process side by side, the same
 * signed single-event bodies (unique mids), closed loop then open loop.
 */
export async function runIngest(ctx: RunContext): Promise<IngestResult> {
  const { options } = ctx;
  const db = await ctx.databases.clone('ingest');
  const pageIds = ['771000000000001', '771000000000002'];
  const basePort = await freePort();
  const baseline = ctx.group.start(
    'ingest-baseline',
    join(ctx.childDir, 'baseline.js'),
    { PORT: String(basePort), FB_APP_SECRET: ctx.secrets.appSecret, NODE_ENV: 'production' },
    basePort,
  );
  const [web] = await Promise.all([
    startPlatform(ctx.group, 'ingest-web', ctx.platform(db.url, 'ingest'), 'web'),
    waitHealthy(baseline),
  ]);
  try {
    ctx.log(`ingest: baseline closed loop, ${options.connections} connections, ${options.ingestSeconds} s`);
    const baselineClosed = await measureClosedLoop(
      ctx,
      baseline,
      ingestBodies(ctx, 'ingest-baseline', pageIds),
    );
    ctx.log(`ingest: baseline ${baselineClosed.perSecond.toFixed(0)} req/s; platform closed loop`);
    const platformBodies = ingestBodies(ctx, 'ingest-platform', pageIds);
    const platformClosed = await measureClosedLoop(ctx, web, platformBodies, { database: db.name });
    ctx.log(`ingest: platform ${platformClosed.perSecond.toFixed(0)} req/s`);

    // A steady rate the platform can take: above its closed-loop maximum the backlog only grows.
    const ceiling = roundDown(platformClosed.perSecond * 0.5);
    const rate = Math.min(options.openLoopRate, ceiling);
    const lowered =
      rate < options.openLoopRate
        ? `the platform's closed-loop maximum (${platformClosed.perSecond.toFixed(0)} req/s) is below twice ${options.openLoopRate}: measured at ${rate} req/s, about half its maximum`
        : undefined;
    ctx.log(`ingest: open loop at ${rate} req/s, ${options.openLoopSeconds} s each`);
    const baselineOpen = await measureOpenLoop(
      baseline,
      ingestBodies(ctx, 'ingest-baseline-open', pageIds),
      rate,
      options.openLoopSeconds,
    );
    const platformOpen = await measureOpenLoop(web, platformBodies, rate, options.openLoopSeconds);

    return {
      connections: options.connections,
      seconds: options.ingestSeconds,
      baseline: baselineClosed,
      platform: platformClosed,
      ratio: platformClosed.perSecond / baselineClosed.perSecond,
      openLoop: {
        requestedRate: options.openLoopRate,
        rate,
        lowered,
        baseline: baselineOpen,
        platform: platformOpen,
      },
      rssMb: { baseline: rssMb(baseline.pid), web: rssMb(web.pid) },
    };
  } finally {
    await Promise.all([baseline.stop(), web.stop()]);
  }
}
