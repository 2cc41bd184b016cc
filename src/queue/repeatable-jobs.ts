import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import type { JobName } from './queue.constants';

const SHUTDOWN_WAIT_MS = 3_000;

/**
 * Registers the repeatable (periodic) jobs of the worker role. The repeat key (name + jobId +
 * interval) is shared through Redis, so however many workers start, each job runs once per interval
 * for the whole deployment.
 */
@Injectable()
export class RepeatableJobs implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RepeatableJobs.name);
  private readonly pending = new Set<Promise<void>>();

  /**
   * Schedules `name` every `everyMs`, replacing a schedule of the same job at another interval (it
   * would otherwise keep running beside the new one). Not awaited: a worker that boots while Redis is
   * down must still start; Bull sends the commands when Redis is back.
   */
  schedule(queue: Queue, name: JobName, everyMs: number): void {
    const task: Promise<void> = this.replace(queue, name, everyMs)
      .catch((error: Error) =>
        this.logger.error({ job: name, err: { type: error.name, message: error.message } }, 'Could not schedule a periodic job'),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  // Closing the queues while a registration is half done would reject its commands mid-flight.
  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.pending),
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async replace(queue: Queue, name: JobName, every: number): Promise<void> {
    for (const job of await queue.getRepeatableJobs()) {
      if (job.name === String(name) && Number(job.every) !== every) await queue.removeRepeatableByKey(job.key);
    }
    // One attempt: a failed run is simply the next interval's job.
    await queue.add(name, {}, { repeat: { every }, jobId: name, attempts: 1 });
  }
}
