import Redis from 'ioredis';
import { localPortsTo } from './proc';

/** Redis seen from the bench: command counters, who else is connected, and the run's keys. */
export class RedisStats {
  private readonly client: Redis;
  private readonly port: number;

  constructor(url: string) {
    this.client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
    this.port = Number(new URL(url).port || 6379);
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async version(): Promise<string> {
    return /^redis_version:(\S+)/m.exec(await this.client.info('server'))?.[1] ?? 'unknown';
  }

  /** Commands the whole server has executed (sum of `calls` in INFO commandstats). */
  async commandCalls(): Promise<number> {
    const info = await this.client.info('commandstats');
    let total = 0;
    for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(match[1]);
    return total;
  }

  /**
   * Clients connected to this Redis that are neither the bench nor one of `pids`: their commands
   * are counted in INFO commandstats too (Redis 7.0 has no per-client command count).
   */
  async foreignClients(pids: number[]): Promise<number> {
    const ours = new Set<number>();
    for (const pid of pids) for (const port of localPortsTo(pid, this.port)) ours.add(port);
    const self = await this.client.client('ID');
    const list = (await this.client.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.startsWith('id='))
      .filter((line) => {
        const id = Number(/^id=(\d+)/.exec(line)?.[1]);
        const port = Number(/ addr=\S+:(\d+) /.exec(line)?.[1]);
        return id !== self && !ours.has(port);
      }).length;
  }

  /** Deletes every key that starts with `prefix`; returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await this.client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
