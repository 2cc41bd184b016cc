import type { Alert } from './alert.entity';
import { buildSlackMessage } from './alert-message';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: '4f1b2c3d-0000-4000-8000-123456789abc',
    kind: 'page_token_invalid',
    severity: 'critical',
    pageId: '104857362819475',
    title: 'Page token rejected',
    details: { error: { code: 190 } },
    dedupKey: 'page_token_invalid:104857362819475',
    status: 'open',
    occurrences: 1,
    firstSeenAt: new Date('2026-11-25T00:00:00.000Z'),
    lastSeenAt: new Date('2026-11-25T00:05:00.000Z'),
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedAt: null,
    lastDeliveredAt: null,
    deliveredOccurrence: 1,
    createdAt: new Date('2026-11-25T00:00:00.000Z'),
    updatedAt: new Date('2026-11-25T00:05:00.000Z'),
    ...overrides,
  };
}

describe('buildSlackMessage', () => {
  it('says severity, title and Page in the fallback text, and names the alert', () => {
    const message = buildSlackMessage(alert());
    expect(message.text).toBe('[CRITICAL] Page token rejected (Page 104857362819475)');
    expect(JSON.stringify(message.blocks)).toContain('4f1b2c3d-0000-4000-8000-123456789abc');
  });

  it('counts repeats', () => {
    expect(buildSlackMessage(alert({ severity: 'warning', pageId: null, occurrences: 7 })).text).toBe(
      '[WARNING] Page token rejected, seen 7 times',
    );
  });

  it("escapes Slack's control characters so a title cannot mention @channel or forge links", () => {
    expect(buildSlackMessage(alert({ title: '<!channel> & <http://x|y>' })).text).toContain(
      '&lt;!channel&gt; &amp; &lt;http://x|y&gt;',
    );
  });

  it('redacts details again and keeps each section under Slack limits', () => {
    const message = buildSlackMessage(
      alert({
        details: { accessToken: 'EAABsecret', blob: 'x'.repeat(10_000), url: '/me?access_token=EAABsecret' },
      }),
    );
    const raw = JSON.stringify(message);
    expect(raw).not.toContain('EAABsecret');
    const texts = (message.blocks ?? []).map((b) => (b.text as { text?: string } | undefined)?.text ?? '');
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThanOrEqual(3_000);
  });
});
