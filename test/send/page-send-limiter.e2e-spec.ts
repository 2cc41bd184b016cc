import { randomBytes } from 'node:crypto';
import { loadSendConfig } from '../../src/config/send.config';
import { RedisService } from '../../src/redis/redis.service';
import { PageSendLimiter } from '../../src/send/page-send-limiter';
import { redisUrl } from '../support/services';

// Real Redis: the token bucket is a Lua script, and what matters is what Redis does with it.
describe(PageSendLimiter.name, () => {
  let redis: RedisService;
  const prefix = `mh_limiter_spec_${randomBytes(4).toString('hex')}`;
  const limiter = (rate: number) =>
    new PageSendLimiter(redis, { ...loadSendConfig({}), pageRatePerSecond: rate });

  beforeAll(async () => {
    redis = new RedisService({ url: redisUrl(), prefix });
    // The client refuses commands until connected (no offline queue), and the limiter would fail open.
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });
  afterAll(async () => {
    const keys = await redis.client.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.onApplicationShutdown();
  });

  it("grants a Page's budget, then says how long to wait", async () => {
    const one = limiter(1);
    await expect(one.take('100')).resolves.toBe(0);
    const wait = await one.take('100');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1_000);
  });

  it('holds a tenth of a second of budget, not a whole second', async () => {
    // A fresh bucket starts full; one take leaves capacity - 1 (no time has passed for it yet).
    await limiter(1_000).take('150');
    const tokens = await redis.client.hget(redis.key('send-rate', '150'), 'tokens');
    expect(Number(tokens)).toBe(99);
  });

  it("keeps each Page's budget separate", async () => {
    const one = limiter(1);
    await expect(one.take('200')).resolves.toBe(0);
    await expect(one.take('201')).resolves.toBe(0);
  });

  it('makes a throttled Page wait while other Pages go on', async () => {
    const fast = limiter(1_000);
    await fast.slowDown('300', 60_000);
    const wait = await fast.take('300');
    expect(wait).toBeGreaterThan(50_000);
    await expect(fast.take('301')).resolves.toBe(0);
  });

  it('never shortens a longer throttle', async () => {
    const fast = limiter(1_000);
    await fast.slowDown('400', 60_000);
    await fast.slowDown('400', 10);
    expect(await fast.throttledFor('400')).toBeGreaterThan(50_000);
  });

  it('fails open when Redis is unreachable', async () => {
    const down = new RedisService({ url: 'redis://127.0.0.1:1', prefix });
    try {
      const open = new PageSendLimiter(down, loadSendConfig({}));
      await expect(open.take('500')).resolves.toBe(0);
      await expect(open.slowDown('500', 1_000)).resolves.toBeUndefined();
    } finally {
      down.client.disconnect();
    }
  });
});
