import type { JobOptions, Queue } from 'bull';

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
export async function addJobs<T>(queue: Queue<T>, jobs: ReadonlyArray<NewJob<T>>, timeoutMs: number): Promise<void> {
  if (jobs.length === 0) return;
  if (queue.client.status !== 'ready') throw new Error('Redis is not connected');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.addBulk(jobs as NewJob<T>[]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer in time')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
