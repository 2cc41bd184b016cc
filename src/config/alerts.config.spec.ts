import { loadAlertsConfig } from './alerts.config';
import { ConfigValidationError } from './validate-env';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('alerts configuration', () => {
  it('has the documented defaults and no webhook', () => {
    expect(loadAlertsConfig({})).toEqual({
      webhookUrl: null,
      webhookTimeoutMs: 5_000,
      repeatMinutes: 60,
      deliveryBackoffMs: 5_000,
      deliveryAttempts: 8,
      retentionDays: 30,
    });
  });

  it('reads every variable', () => {
    expect(
      loadAlertsConfig({
        ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/abc',
        ALERT_WEBHOOK_TIMEOUT_MS: '2000',
        ALERT_REPEAT_MINUTES: '15',
        ALERT_DELIVERY_BACKOFF_MS: '50',
        ALERT_DELIVERY_ATTEMPTS: '3',
        ALERT_RETENTION_DAYS: '7',
      }),
    ).toEqual({
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/abc',
      webhookTimeoutMs: 2_000,
      repeatMinutes: 15,
      deliveryBackoffMs: 50,
      deliveryAttempts: 3,
      retentionDays: 7,
    });
  });

  it('names every malformed variable without echoing the webhook URL', () => {
    const problems = problemsOf(() =>
      loadAlertsConfig({
        ALERT_WEBHOOK_URL: 'ftp://secret-path-value',
        ALERT_REPEAT_MINUTES: '0',
        ALERT_DELIVERY_ATTEMPTS: 'many',
        ALERT_RETENTION_DAYS: '-1',
      }),
    );
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'ALERT_WEBHOOK_URL',
      'ALERT_REPEAT_MINUTES',
      'ALERT_DELIVERY_ATTEMPTS',
      'ALERT_RETENTION_DAYS',
    ]);
    expect(problems.join('\n')).not.toContain('secret-path-value');
  });

  it('refuses a webhook URL that is not https in production, without echoing it', () => {
    const problems = problemsOf(() =>
      loadAlertsConfig({ NODE_ENV: 'production', ALERT_WEBHOOK_URL: 'http://hooks.example.com/services/secret-path-value' }),
    );
    expect(problems).toEqual([expect.stringMatching(/^ALERT_WEBHOOK_URL: must be an https:\/\/ URL when NODE_ENV=production/)]);
    expect(problems.join('\n')).not.toContain('secret-path-value');
  });

  it.each(['https://hooks.slack.com/services/T0/B0/abc', 'http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://[::1]/hook'])(
    'accepts %s in production',
    (url) => {
      expect(loadAlertsConfig({ NODE_ENV: 'production', ALERT_WEBHOOK_URL: url }).webhookUrl).toBe(url);
    },
  );

  it('accepts a plain http webhook outside production', () => {
    expect(loadAlertsConfig({ ALERT_WEBHOOK_URL: 'http://alerts.internal/hook' }).webhookUrl).toBe('http://alerts.internal/hook');
  });
});
