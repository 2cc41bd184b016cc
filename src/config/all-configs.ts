import { registerAs, type ConfigFactory } from '@nestjs/config';
import { loadAlertsConfig } from './alerts.config';
import { loadAppConfig } from './app.config';
import { loadDatabaseConfig } from './database.config';
import { loadHttpConfig } from './http.config';
import { loadInboundConfig } from './inbound.config';
import { loadInboxConfig } from './inbox.config';
import { loadMessengerConfig } from './messenger.config';
import { loadPagesConfig } from './pages.config';
import { loadRedisConfig } from './redis.config';
import { loadSecurityConfig } from './security.config';
import { loadSendConfig } from './send.config';
import { ConfigValidationError, type Env } from './validate-env';
import { loadWebhookConfig } from './webhook.config';

/**
 * Every config area, once: its name (the `registerAs` key its `xConfig.KEY` injects) and its loader.
 * A new area adds one line here; the app's ConfigModule and the boot-time check both come from it.
 */
export const CONFIG_AREAS = {
  alerts: loadAlertsConfig,
  app: loadAppConfig,
  database: loadDatabaseConfig,
  http: loadHttpConfig,
  inbound: loadInboundConfig,
  inbox: loadInboxConfig,
  messenger: loadMessengerConfig,
  pages: loadPagesConfig,
  redis: loadRedisConfig,
  security: loadSecurityConfig,
  send: loadSendConfig,
  webhook: loadWebhookConfig,
} satisfies Record<string, (env: Env) => unknown>;

/** The registered configs of an app built from `env` (the process's environment, when it loads, unless given). */
export function configsFor(env?: Env): ConfigFactory[] {
  return Object.entries(CONFIG_AREAS).map(([name, load]) => registerAs(name, () => load(env ?? process.env)));
}

/** Every problem of every area, so one run names every bad variable. */
export function configurationProblems(env: Env = process.env): string[] {
  const problems: string[] = [];
  for (const load of Object.values(CONFIG_AREAS)) {
    try {
      load(env);
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  return problems;
}
