import type { Logger } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { withTimeout } from '../common/with-timeout';
import type { JobName } from './queue.constants';

export interface NewJob<T> {
  name: string;
  data: T;
  opts?: JobOptions;
}

/**
 * The one way jobs are added: in one Redis round trip (addBulk pipelines), never queued up in Bull's
 * offline buffer while Redis is away, and never awaited longer than `timeoutMs`. Throws when the jobs
 * may not have been added; callers decide what that means (every job here has a safety net that
 * finds its work again from Postgres).
 */
export async function addJobs<T>(
  queue: Queue<T>,
  jobs: ReadonlyArray<NewJob<T>>,
  timeoutMs: number,
): Promise<void> {
  if (jobs.length === 0) return;
  if (queue.client.status !== 'ready') throw new Error('Redis is not connected');
  await withTimeout(queue.addBulk(jobs as NewJob<T>[]), timeoutMs, 'Redis did not answer in time');
}

/**
 * Starts consuming one job kind with `concurrency` parallel jobs: the one way the processors start
 * (at application bootstrap, once every module is ready). Registered by hand rather than with
 * @Process so the concurrency comes from validated configuration, not from the environment at import.
 */
export function startProcessing<T>(
  queue: Queue<T>,
  name: JobName,
  concurrency: number,
  handle: (job: Job<T>) => Promise<void>,
  logger: Logger,
): void {
  // process() resolves only when the queue closes.
  queue
    .process(name, concurrency, handle)
    .catch((error: unknown) =>
      logger.error({ err: { message: (error as Error)?.message } }, `Processing of ${name} stopped`),
    );
  logger.log(`Processing ${name} jobs (concurrency ${concurrency})`);
}
