import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { sendConfig, type SendConfig } from '../config/send.config';
import { RedisService } from '../redis/redis.service';

/**
 * Takes one token from the Page's bucket, unless the Page is throttled. Returns 0 when a send may go
 * now, else the milliseconds to wait. Redis's own clock is used so every process agrees.
 * KEYS[1] bucket hash, KEYS[2] throttle flag; ARGV[1] rate per second, ARGV[2] capacity.
 */
const TAKE = `
local throttled = redis.call('PTTL', KEYS[2])
if throttled > 0 then return throttled end
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return wait
`;

/** Sets the throttle flag for at least ARGV[1] ms; never shortens a longer one already set. */
const SLOW_DOWN = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
`;

const LOG_EVERY_MS = 10_000;

interface LimiterScripts {
  mhSendTake(bucketKey: string, throttleKey: string, rate: number, capacity: number): Promise<number>;
  mhSendSlowDown(throttleKey: string, ms: number): Promise<number>;
}

/**
 * Per-Page pacing with a Redis token bucket (atomic Lua), shared by every worker process.
 *
 * Not Bull's limiter: it limits a whole queue, and all Pages share the outbound queue, so it cannot
 * give each Page its own budget, and a throttled Page (613) would stall every other Page's sends.
 * Here a Page with no token re-delays only its own jobs.
 *
 * Redis failing here fails open (the send goes, with a log): pacing protects Facebook's limits,
 * which answer with 613 that the error policy handles anyway, while failing closed would stop every
 * send whenever this client has a hiccup.
 */
@Injectable()
export class PageSendLimiter {
  private readonly logger = new Logger(PageSendLimiter.name);
  private lastLoggedAt = 0;
  private readonly scripts: LimiterScripts;

  constructor(
    private readonly redis: RedisService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {
    // defineCommand runs the scripts by SHA (EVALSHA), loading them again if Redis forgot them.
    const client = redis.client as Redis & Partial<LimiterScripts>;
    if (!client.mhSendTake) client.defineCommand('mhSendTake', { numberOfKeys: 2, lua: TAKE });
    if (!client.mhSendSlowDown) client.defineCommand('mhSendSlowDown', { numberOfKeys: 1, lua: SLOW_DOWN });
    this.scripts = client as unknown as LimiterScripts;
  }

  /** 0 = send now; otherwise wait this many milliseconds (no attempt is consumed). */
  async take(pageId: string): Promise<number> {
    const rate = this.config.pageRatePerSecond;
    // A bucket of a tenth of a second's budget: any one-second window then holds at most 1.1 x rate
    // sends (275 at the default 250), under Facebook's 300/s, where a full second's burst could double it.
    const capacity = Math.max(1, Math.ceil(rate / 10));
    try {
      const wait = await this.scripts.mhSendTake(
        this.bucketKey(pageId),
        this.throttleKey(pageId),
        rate,
        capacity,
      );
      return typeof wait === 'number' && wait > 0 ? wait : 0;
    } catch (error) {
      this.logFailOpen(error);
      return 0;
    }
  }

  /** Facebook throttled this Page: every send of this Page waits `ms`; other Pages are not affected. */
  async slowDown(pageId: string, ms: number): Promise<void> {
    try {
      await this.scripts.mhSendSlowDown(this.throttleKey(pageId), Math.max(1, Math.round(ms)));
    } catch (error) {
      this.logFailOpen(error);
    }
  }

  /** Milliseconds the Page is still throttled for (0 when not); for the admin view and tests. */
  async throttledFor(pageId: string): Promise<number> {
    const ttl = await this.redis.client.pttl(this.throttleKey(pageId));
    return ttl > 0 ? ttl : 0;
  }

  private bucketKey(pageId: string): string {
    return this.redis.key('send-rate', pageId);
  }

  private throttleKey(pageId: string): string {
    return this.redis.key('throttled', pageId);
  }

  private logFailOpen(error: unknown): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < LOG_EVERY_MS) return;
    this.lastLoggedAt = now;
    this.logger.warn(
      { err: { message: (error as Error)?.message } },
      'Send pacing unavailable (Redis); sending without it',
    );
  }
}
