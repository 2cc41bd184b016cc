import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { loadAlertsConfig } from '../config/alerts.config';
import { JobName } from '../queue/queue.constants';
import { ENQUEUE_TIMEOUT_MS } from './alert-jobs';
import { AlertKind } from './alert-kind';
import type { AlertLogSink } from './alert-log.sink';
import type { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const ALERT_ID = '4f1b2c3d-0000-4000-8000-123456789abc';

// Postgres and Redis failures are what this spec is about, so both are stand-ins here; the e2e spec
// covers the real upsert and queue.
function setup(recorded = { alertId: ALERT_ID, occurrence: 1, inserted: true, deliver: true }) {
  const repository = {
    recordOccurrence: jest.fn().mockResolvedValue(recorded),
    releaseDeliveryClaim: jest.fn().mockResolvedValue(undefined),
    resolveByDedupKey: jest.fn().mockResolvedValue(null),
  };
  const logSink = { write: jest.fn() };
  const queue = { add: jest.fn().mockResolvedValue({ id: 'job' }) };
  const config = loadAlertsConfig({ ALERT_DELIVERY_ATTEMPTS: '5', ALERT_DELIVERY_BACKOFF_MS: '100' });
  const service = new AlertsService(
    repository as unknown as AlertsRepository,
    logSink as unknown as AlertLogSink,
    queue as unknown as Queue,
    config,
  );
  return { service, repository, logSink, queue };
}

const input = {
  kind: AlertKind.SendFailed,
  severity: 'warning' as const,
  pageId: '123',
  title: 'Send failed',
};

describe(AlertsService.name, () => {
  let errors: jest.SpyInstance;

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('defaults the dedup key to kind and Page', async () => {
    const { service, repository } = setup();
    await service.raise(input);
    await service.raise({ kind: AlertKind.QueueBacklog, severity: 'critical', title: 'Backlog' });
    expect(repository.recordOccurrence.mock.calls.map(([o]) => (o as { dedupKey: string }).dedupKey)).toEqual(
      ['send_failed:123', 'queue_backlog:-'],
    );
  });

  it('queues one delivery job with the configured attempts and backoff when the raise claimed it', async () => {
    const { service, queue } = setup();
    await service.raise(input);
    expect(queue.add).toHaveBeenCalledTimes(1);
    expect(queue.add).toHaveBeenCalledWith(
      JobName.DeliverAlert,
      { alertId: ALERT_ID, occurrence: 1 },
      { jobId: `${ALERT_ID}:1`, attempts: 5, backoff: { type: 'exponential', delay: 100 } },
    );
  });

  it('queues nothing for a repeat that did not claim a delivery', async () => {
    const { service, queue } = setup({ alertId: ALERT_ID, occurrence: 2, inserted: false, deliver: false });
    await service.raise(input);
    expect(queue.add).not.toHaveBeenCalled();
  });

  it('returns without throwing when Postgres fails, and logs the failure at error level', async () => {
    const { service, repository, queue } = setup();
    repository.recordOccurrence.mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    await expect(service.raise(input)).resolves.toBeUndefined();
    expect(queue.add).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ alert: { kind: 'send_failed', pageId: '123' } }),
      'Alert could not be stored',
    );
  });

  it('stops waiting for a Redis that does not answer, logs the alert itself and gives the claim back', async () => {
    jest.useFakeTimers();
    const { service, repository, logSink, queue } = setup({
      alertId: ALERT_ID,
      occurrence: 3,
      inserted: false,
      deliver: true,
    });
    queue.add.mockReturnValue(new Promise(() => undefined));
    const raised = service.raise(input);
    await jest.advanceTimersByTimeAsync(ENQUEUE_TIMEOUT_MS - 1);
    expect(logSink.write).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await expect(raised).resolves.toBeUndefined();
    expect(logSink.write).toHaveBeenCalledWith(
      expect.objectContaining({ id: ALERT_ID, kind: 'send_failed', occurrences: 3 }),
      expect.stringContaining('logged only'),
    );
    expect(repository.releaseDeliveryClaim).toHaveBeenCalledWith(ALERT_ID, 3);
  });

  it('returns without throwing when the queue rejects and the claim cannot be given back either', async () => {
    const { service, repository, queue } = setup();
    queue.add.mockRejectedValue(new Error('Connection is closed.'));
    repository.releaseDeliveryClaim.mockRejectedValue(new Error('Connection terminated'));
    await expect(service.raise(input)).resolves.toBeUndefined();
    expect(errors).toHaveBeenCalledWith(expect.anything(), 'Alert delivery claim kept');
  });

  it('resolve() never throws', async () => {
    const { service, repository } = setup();
    repository.resolveByDedupKey.mockRejectedValue(new Error('Connection terminated'));
    await expect(service.resolve('send_failed:123')).resolves.toBeUndefined();
    expect(errors).toHaveBeenCalledWith(expect.anything(), 'Alert could not be resolved');
  });
});
