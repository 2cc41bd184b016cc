import { Logger } from '@nestjs/common';
import { AlertDeliveryService } from './alert-delivery.service';
import type { AlertLogSink } from './alert-log.sink';
import type { Alert } from './alert.entity';
import type { AlertsRepository } from './alerts.repository';
import { AlertSinkError, type SlackWebhookSink } from './slack-webhook.sink';

const ID = '4f1b2c3d-0000-4000-8000-123456789abc';

function row(overrides: Partial<Alert> = {}): Alert {
  return {
    id: ID,
    kind: 'send_failed',
    severity: 'warning',
    pageId: '123',
    title: 'Send failed',
    details: {},
    dedupKey: 'send_failed:123',
    status: 'open',
    occurrences: 4,
    firstSeenAt: new Date('2026-11-25T00:00:00Z'),
    lastSeenAt: new Date('2026-11-25T00:01:00Z'),
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedAt: null,
    lastDeliveredAt: new Date('2026-11-25T00:00:00Z'),
    deliveredOccurrence: 1,
    createdAt: new Date('2026-11-25T00:00:00Z'),
    updatedAt: new Date('2026-11-25T00:01:00Z'),
    ...overrides,
  };
}

// The decisions here depend only on the stored row, so the repository is a stand-in.
function setup(alert: Alert | null, webhookEnabled = true) {
  const repository = {
    findById: jest.fn().mockResolvedValue(alert),
    confirmDeliveryClaim: jest.fn().mockResolvedValue(undefined),
  };
  const logSink = { write: jest.fn() };
  const webhook = { enabled: webhookEnabled, post: jest.fn().mockResolvedValue(undefined) };
  const service = new AlertDeliveryService(
    repository as unknown as AlertsRepository,
    logSink as unknown as AlertLogSink,
    webhook as unknown as SlackWebhookSink,
  );
  return { service, repository, logSink, webhook };
}

describe(AlertDeliveryService.name, () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('on the first attempt confirms the claim, writes the log line and posts to the webhook', async () => {
    const { service, repository, logSink, webhook } = setup(row());
    await service.deliver(ID, 1, true);
    expect(repository.confirmDeliveryClaim).toHaveBeenCalledWith(ID, 1);
    expect(logSink.write).toHaveBeenCalledWith(
      expect.objectContaining({ id: ID, occurrences: 4, occurrence: 1 }),
    );
    expect(webhook.post).toHaveBeenCalledWith(
      expect.objectContaining({ text: '[WARNING] Send failed (Page 123), seen 4 times' }),
    );
  });

  it('on a retry posts again without a second log line', async () => {
    const { service, logSink, webhook } = setup(row());
    await service.deliver(ID, 1, false);
    expect(logSink.write).not.toHaveBeenCalled();
    expect(webhook.post).toHaveBeenCalledTimes(1);
  });

  it('lets a webhook failure through so that Bull retries the job', async () => {
    const { service, webhook } = setup(row());
    webhook.post.mockRejectedValue(new AlertSinkError('Alert webhook answered HTTP 500'));
    await expect(service.deliver(ID, 1, false)).rejects.toThrow('HTTP 500');
  });

  it('stands down when a newer raise claimed the delivery', async () => {
    const { service, repository, logSink, webhook } = setup(row({ deliveredOccurrence: 3 }));
    await service.deliver(ID, 1, true);
    expect(repository.confirmDeliveryClaim).not.toHaveBeenCalled();
    expect(logSink.write).not.toHaveBeenCalled();
    expect(webhook.post).not.toHaveBeenCalled();
  });

  it.each(['acknowledged', 'resolved'] as const)(
    'logs but does not page for an alert already %s',
    async (status) => {
      const { service, logSink, webhook } = setup(row({ status }));
      await service.deliver(ID, 1, true);
      expect(logSink.write).toHaveBeenCalledTimes(1);
      expect(webhook.post).not.toHaveBeenCalled();
    },
  );

  it('only logs when no webhook is configured', async () => {
    const { service, logSink, webhook } = setup(row(), false);
    await service.deliver(ID, 1, true);
    expect(logSink.write).toHaveBeenCalledTimes(1);
    expect(webhook.post).not.toHaveBeenCalled();
  });

  it('drops the job of an alert pruned meanwhile', async () => {
    const { service, logSink, webhook } = setup(null);
    await expect(service.deliver(ID, 1, true)).resolves.toBeUndefined();
    expect(logSink.write).not.toHaveBeenCalled();
    expect(webhook.post).not.toHaveBeenCalled();
  });
});
