import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchDatabases } from './database';

/**
 * A database's transaction count (pg_stat_database), sampled every `everyMs` while a measure runs.
 *
 * A backend adds its transactions to pg_stat_database at most once a second, and one that goes idle
 * may keep the last second's for a long time. Busy backends started together report in step, so the
 * counter climbs in a staircase and the difference of two readings is off by up to a second of
 * traffic. The least-squares slope over many samples is not.
 */
export class TransactionSampler {
  private readonly samples: Array<[number, number]> = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(databases: BenchDatabases, name: string, everyMs = 200) {
    this.loop = (async () => {
      while (this.running) {
        const count = await databases.transactions(name);
        this.samples.push([performance.now(), count]);
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Transactions between two performance.now() times, from the slope of the samples between them. */
  between(from: number, to: number): number | undefined {
    const points = this.samples.filter(([t]) => t >= from && t <= to);
    if (points.length < 3) return undefined;
    const meanT = points.reduce((a, [t]) => a + t, 0) / points.length;
    const meanN = points.reduce((a, [, n]) => a + n, 0) / points.length;
    let covariance = 0;
    let variance = 0;
    for (const [t, n] of points) {
      covariance += (t - meanT) * (n - meanN);
      variance += (t - meanT) ** 2;
    }
    return variance > 0 ? (covariance / variance) * (to - from) : undefined;
  }
}
