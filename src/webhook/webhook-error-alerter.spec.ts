import { AlertKind } from '../alerts/alert-kind';
import type { AlertsService } from '../alerts/alerts.service';
import { loadWebhookConfig } from '../config/webhook.config';
import { WebhookErrorAlerter } from './webhook-error-alerter';

function setup(threshold = 3) {
  const alerts = {
    raise: jest.fn().mockResolvedValue(undefined),
    resolve: jest.fn().mockResolvedValue(undefined),
    dedupKeyFor: (kind: AlertKind, pageId?: string) => `${kind}:${pageId ?? '-'}`,
  };
  const config = loadWebhookConfig({ WEBHOOK_ERROR_ALERT_THRESHOLD: String(threshold) });
  return { alerts, alerter: new WebhookErrorAlerter(alerts as unknown as AlertsService, config) };
}

const MINUTE = 60_000;

describe(WebhookErrorAlerter.name, () => {
  it('raises webhook_errors once failures exceed the threshold within five minutes', () => {
    const { alerts, alerter } = setup(3);
    for (let i = 0; i < 3; i++) alerter.failed('inbox_unavailable', i * 1000);
    expect(alerts.raise).not.toHaveBeenCalled();
    alerter.failed('inbox_unavailable', 4000);
    expect(alerts.raise).toHaveBeenCalledTimes(1);
    expect(alerts.raise).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: AlertKind.WebhookErrors,
        severity: 'critical',
        dedupKey: 'webhook_errors:-',
      }),
    );
  });

  it('does not count failures older than the window', () => {
    const { alerts, alerter } = setup(3);
    for (let i = 0; i < 3; i++) alerter.failed('x', i * MINUTE);
    alerter.failed('x', 6 * MINUTE);
    expect(alerts.raise).not.toHaveBeenCalled();
  });

  it('raises at most once a minute while failing', () => {
    const { alerts, alerter } = setup(1);
    for (let t = 0; t < 90_000; t += 1000) alerter.failed('x', t);
    expect(alerts.raise).toHaveBeenCalledTimes(2);
  });

  it('confirms the alert on the first success, resolves once the window is clean', () => {
    const { alerts, alerter } = setup(1);
    alerter.failed('x', 0);
    alerter.failed('x', 1000);
    alerter.succeeded(2000);
    expect(alerts.raise).toHaveBeenCalledTimes(2);
    expect(alerts.raise).toHaveBeenLastCalledWith(
      expect.objectContaining({ details: expect.objectContaining({ recovered: true }) }),
    );
    expect(alerts.resolve).not.toHaveBeenCalled();
    alerter.succeeded(6 * MINUTE);
    expect(alerts.resolve).toHaveBeenCalledWith('webhook_errors:-');
    alerter.succeeded(7 * MINUTE);
    expect(alerts.resolve).toHaveBeenCalledTimes(1);
  });

  it('does nothing on success when nothing was raised', () => {
    const { alerts, alerter } = setup(3);
    alerter.failed('x', 0);
    alerter.succeeded(1000);
    expect(alerts.raise).not.toHaveBeenCalled();
    expect(alerts.resolve).not.toHaveBeenCalled();
  });
});
