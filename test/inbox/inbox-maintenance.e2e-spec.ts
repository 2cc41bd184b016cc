import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import type { TestApp } from '../support/test-app';
import { startWebhookApp } from '../support/webhook-fixtures';
import { eventually } from '../support/eventually';

jest.setTimeout(60_000);

/** The inbox's periodic jobs, in an app that runs workers. */
describe('Inbox maintenance jobs (e2e)', () => {
  const prefix = 'inbox-maintenance';
  let t: TestApp;
  let maintenance: Queue;

  beforeAll(async () => {
    t = await startWebhookApp(prefix, { APP_ROLE: 'all' });
    maintenance = t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
  });
  afterAll(async () => {
    await t?.close();
  });

  const repeatables = async () =>
    (await maintenance.getRepeatableJobs())
      .filter((j) => j.name === String(JobName.ReconcileInbox) || j.name === String(JobName.PruneInbox))
      .map((j) => [j.name, Number(j.every)])
      .sort();

  it('schedules reconcile and prune once, at the configured intervals', async () => {
    const expected = [
      [JobName.PruneInbox, 3_600_000],
      [JobName.ReconcileInbox, 30_000],
    ];
    expect(
      await eventually('the schedule', async () =>
        (await repeatables()).length === 2 ? repeatables() : null,
      ),
    ).toEqual(expected);
  });

  it('runs ReconcileInbox and PruneInbox jobs through named handlers', async () => {
    const reconcile = await maintenance.add(JobName.ReconcileInbox, {});
    await expect(reconcile.finished()).resolves.toEqual({
      stale: expect.any(Number),
      woken: expect.any(Number),
    });
    const prune = await maintenance.add(JobName.PruneInbox, {});
    await expect(prune.finished()).resolves.toEqual({ deleted: expect.any(Number) });
  });

  it('replaces the schedule when the interval changes, instead of running both', async () => {
    const other = await startWebhookApp(prefix, { APP_ROLE: 'all', INBOX_RECONCILE_SECONDS: '45' });
    try {
      await eventually('the new schedule', async () =>
        (await repeatables()).some(
          ([name, every]) => name === String(JobName.ReconcileInbox) && every === 45_000,
        ),
      );
      expect(await repeatables()).toEqual([
        [JobName.PruneInbox, 3_600_000],
        [JobName.ReconcileInbox, 45_000],
      ]);
    } finally {
      await other.close();
    }
  });
});
