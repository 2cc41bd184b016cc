import { alertsConfig } from './alerts.config';
import { CONFIG_AREAS, configsFor, configurationProblems } from './all-configs';
import { appConfig } from './app.config';
import { databaseConfig } from './database.config';
import { httpConfig } from './http.config';
import { inboundConfig } from './inbound.config';
import { inboxConfig } from './inbox.config';
import { messengerConfig } from './messenger.config';
import { pagesConfig } from './pages.config';
import { redisConfig } from './redis.config';
import { securityConfig } from './security.config';
import { sendConfig } from './send.config';
import { webhookConfig } from './webhook.config';

describe('config areas', () => {
  it('registers every area under the key its xConfig.KEY injects', () => {
    const keys = [
      alertsConfig,
      appConfig,
      databaseConfig,
      httpConfig,
      inboundConfig,
      inboxConfig,
      messengerConfig,
      pagesConfig,
      redisConfig,
      securityConfig,
      sendConfig,
      webhookConfig,
    ]
      .map((c) => c.KEY)
      .sort();
    expect(
      configsFor({})
        .map((c) => (c as unknown as { KEY: string }).KEY)
        .sort(),
    ).toEqual(keys);
    expect(Object.keys(CONFIG_AREAS)).toHaveLength(keys.length);
  });

  it('reads the environment it is given, not the process environment', () => {
    const app = configsFor({ PORT: '4321', APP_ROLE: 'worker' }).find(
      (c) => (c as unknown as { KEY: string }).KEY === appConfig.KEY,
    )!;
    expect(app()).toMatchObject({ port: 4321, role: 'worker' });
  });

  it('names every bad variable of every area at once', () => {
    const problems = configurationProblems({ PORT: 'x', INBOUND_CONCURRENCY: '0', TRUST_PROXY: 'everyone' });
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual(
      expect.arrayContaining(['PORT', 'INBOUND_CONCURRENCY', 'TRUST_PROXY']),
    );
  });
});
