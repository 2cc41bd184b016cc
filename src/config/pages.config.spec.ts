import { DEFAULT_SUBSCRIBED_FIELDS, loadPagesConfig } from './pages.config';
import { ConfigValidationError } from './validate-env';

describe('pages configuration', () => {
  it('defaults to the fields the platform handles, a 15-minute check, batches of 100, 5 at a time', () => {
    expect(loadPagesConfig({})).toMatchObject({
      subscribedFields: DEFAULT_SUBSCRIBED_FIELDS,
      healthCheckEveryMs: 15 * 60_000,
      healthBatchSize: 100,
      healthConcurrency: 5,
    });
  });

  it('reads a field list and names unknown fields', () => {
    expect(
      loadPagesConfig({ PAGES_SUBSCRIBED_FIELDS: 'messages, messaging_postbacks' }).subscribedFields,
    ).toEqual(['messages', 'messaging_postbacks']);
    expect(() => loadPagesConfig({ PAGES_SUBSCRIBED_FIELDS: 'messages,feed' })).toThrow(
      new ConfigValidationError(['PAGES_SUBSCRIBED_FIELDS: unknown field(s) feed']),
    );
  });

  it('names a malformed number', () => {
    expect(() => loadPagesConfig({ PAGES_HEALTH_CONCURRENCY: '0' })).toThrow(/PAGES_HEALTH_CONCURRENCY/);
  });
});
