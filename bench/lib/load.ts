import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { SignedBody } from './webhook-bodies';
import { type LatencySummary, summarize } from './latency';

/** Status 0 = no HTTP answer (connection refused, reset, timeout). */
type Status = number;

/** A webhook endpoint hit over one undici pool (keep-alive connections, no pipelining). */
export class WebhookTarget {
  private readonly pool: Pool;

  constructor(
    readonly origin: string,
    connections: number,
    private readonly path = '/webhook',
  ) {
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      keepAliveTimeout: 60_000,
    });
  }

  async post(signed: SignedBody): Promise<Status> {
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signed.signature },
        body: signed.body,
      });
      await res.body.dump();
      return res.statusCode;
    } catch {
      return 0;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface LoadResult {
  /** Wall time from the first request to the last answer. */
  seconds: number;
  /** Requests answered 2xx. */
  ok: number;
  /** Non-2xx answers and failed requests, by status ("0" = no answer). */
  errors: Record<string, number>;
  /** 2xx answers per second. */
  perSecond: number;
  /** Latency of the 2xx answers, ms (open loop: from the scheduled send time). */
  latency: LatencySummary;
}

class Recorder {
  private readonly latencies: number[] = [];
  readonly errors: Record<string, number> = {};

  add(status: Status, ms: number): void {
    if (status >= 200 && status < 300) this.latencies.push(ms);
    else this.errors[String(status)] = (this.errors[String(status)] ?? 0) + 1;
  }

  result(seconds: number): LoadResult {
    return {
      seconds,
      ok: this.latencies.length,
      errors: this.errors,
      perSecond: this.latencies.length / seconds,
      latency: summarize(this.latencies),
    };
  }
}

/** `connections` loops, each sending its next request when the previous one is answered. */
export async function closedLoop(
  target: WebhookTarget,
  next: () => SignedBody,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const recorder = new Recorder();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const body = next();
        const t0 = performance.now();
        const status = await target.post(body);
        recorder.add(status, performance.now() - t0);
      }
    }),
  );
  return recorder.result((performance.now() - start) / 1000);
}

export interface OpenLoopResult extends LoadResult {
  rate: number;
  /** Requests sent, and requests not sent because `maxInFlight` were already waiting (server stalled). */
  sent: number;
  dropped: number;
  /** Rate actually sent (lower than `rate` only if the bench itself fell behind). */
  sentPerSecond: number;
}

/**
 * Requests on a fixed schedule (`rate` per second for `seconds`), whatever the answers do: latency is
 * measured from each request's scheduled time, so a stalled server cannot hide its backlog
 * (no coordinated omission). `onSend(seq, scheduledEpochMs)` builds the request and may record it.
 */
export async function openLoop(
  target: WebhookTarget,
  onSend: (seq: number, scheduledEpochMs: number) => SignedBody,
  rate: number,
  seconds: number,
  maxInFlight = 20_000,
): Promise<OpenLoopResult> {
  const recorder = new Recorder();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  let issued = 0;
  let sent = 0;
  let dropped = 0;
  let inFlight = 0;
  let lastSentAt = 0;
  let drained: () => void = () => undefined;
  const start = performance.now();
  while (issued < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; issued < due; issued++) {
      const scheduled = start + issued * interval;
      if (inFlight >= maxInFlight) {
        dropped++;
        continue;
      }
      const now = performance.now();
      const body = onSend(issued, Date.now() - (now - scheduled));
      inFlight++;
      sent++;
      lastSentAt = now;
      void target.post(body).then((status) => {
        recorder.add(status, performance.now() - scheduled);
        if (--inFlight === 0) drained();
      });
    }
    const wait = start + issued * interval - performance.now();
    if (wait >= 1) await sleep(Math.floor(wait));
    else await yieldToIo();
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  const result = recorder.result((performance.now() - start) / 1000);
  return {
    ...result,
    perSecond: result.ok / seconds,
    rate,
    sent,
    dropped,
    sentPerSecond: sent / Math.max(seconds, (lastSentAt - start + interval) / 1000),
  };
}
