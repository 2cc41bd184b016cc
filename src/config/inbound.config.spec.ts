import { loadInboundConfig } from './inbound.config';
import { ConfigValidationError } from './validate-env';

describe('loadInboundConfig', () => {
  it('has the documented defaults', () => {
    expect(loadInboundConfig({})).toEqual({
      concurrency: 20,
      maxAttempts: 5,
      retryBaseMs: 1_000,
      retryMaxMs: 300_000,
      reviveEveryMs: 30_000,
      defaultBot: 'example',
      exampleBotEnabled: true,
      accountLinkUrl: 'http://localhost:3000/link',
    });
  });

  it('reads BOT_EXAMPLE_ENABLED=false as false (not as a non-empty string)', () => {
    expect(loadInboundConfig({ BOT_EXAMPLE_ENABLED: 'false' }).exampleBotEnabled).toBe(false);
    expect(loadInboundConfig({ BOT_EXAMPLE_ENABLED: 'true' }).exampleBotEnabled).toBe(true);
  });

  it('names every bad variable', () => {
    const bad = { INBOUND_CONCURRENCY: '0', INBOUND_DEFAULT_BOT: 'no spaces', BOT_EXAMPLE_ENABLED: 'no', BOT_ACCOUNT_LINK_URL: 'ftp://x' };
    expect(() => loadInboundConfig(bad)).toThrow(ConfigValidationError);
    try {
      loadInboundConfig(bad);
    } catch (error) {
      expect((error as ConfigValidationError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'BOT_ACCOUNT_LINK_URL',
        'BOT_EXAMPLE_ENABLED',
        'INBOUND_CONCURRENCY',
        'INBOUND_DEFAULT_BOT',
      ]);
    }
  });
});
