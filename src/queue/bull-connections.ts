import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import Redis, { type RedisOptions } from 'ioredis';
import { QueueName } from './queue.constants';

/**
 * Creates Bull's Redis connections and closes them at shutdown. Bull leaves connections made by a
 * `createClient` option open when a queue closes, which would keep a stopping process alive.
 */
@Injectable()
export class BullConnections implements OnApplicationShutdown {
  private readonly clients = new Set<Redis>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /**
   * Bull's docs: the blocking and subscriber clients must neither give up on a command nor wait for a
   * ready check, or a Redis restart leaves the queue dead until the process restarts. The command
   * client keeps its ready check so that it waits for Redis to finish loading its data after a restart.
   */
  create(type: 'client' | 'subscriber' | 'bclient', base: RedisOptions): Redis {
    const options: RedisOptions =
      type === 'client'
        ? { ...base, maxRetriesPerRequest: null }
        : { ...base, maxRetriesPerRequest: null, enableReadyCheck: false };
    const client = new Redis(options);
    // Kept until shutdown even after an 'end': closing a queue disconnects its blocking client and then
    // connects it again.
    this.clients.add(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    // Close the queues first (close() is memoised, so Nest's own call waits for the same thing): it
    // lets in-flight jobs finish and record their result before their connections go.
    await Promise.all(this.queues().map((queue) => queue.close().catch(() => undefined)));
    await Promise.all(
      [...this.clients].map(async (client) => {
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
      }),
    );
    this.clients.clear();
  }

  private queues(): Queue[] {
    const queues: Queue[] = [];
    for (const name of Object.values(QueueName)) {
      try {
        queues.push(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
      } catch {
        // No module registered this queue in this process.
      }
    }
    return queues;
  }
}
