import { alertsConfig, loadAlertsConfig } from './alerts.config';
import { appConfig, loadAppConfig } from './app.config';
import { databaseConfig, loadDatabaseConfig } from './database.config';
import { httpConfig, loadHttpConfig } from './http.config';
import { inboundConfig, loadInboundConfig } from './inbound.config';
import { inboxConfig, loadInboxConfig } from './inbox.config';
import { loadMessengerConfig, messengerConfig } from './messenger.config';
import { loadPagesConfig, pagesConfig } from './pages.config';
import { loadRedisConfig, redisConfig } from './redis.config';
import { loadSecurityConfig, securityConfig } from './security.config';
import { loadSendConfig, sendConfig } from './send.config';
import { loadWebhookConfig, webhookConfig } from './webhook.config';

/**
 * Every config area, registered once. Each feature adds its `registerAs` and its loader here, so
 * main.ts can validate the whole environment before booting and report every bad variable at once.
 */
export const ALL_CONFIGS = [
  appConfig,
  databaseConfig,
  redisConfig,
  messengerConfig,
  securityConfig,
  pagesConfig,
  alertsConfig,
  sendConfig,
  inboundConfig,
  webhookConfig,
  inboxConfig,
  httpConfig,
];

export const ALL_CONFIG_LOADERS: Array<() => unknown> = [
  () => loadAlertsConfig(),
  () => loadAppConfig(),
  () => loadDatabaseConfig(),
  () => loadRedisConfig(),
  () => loadMessengerConfig(),
  () => loadSecurityConfig(),
  () => loadPagesConfig(),
  () => loadSendConfig(),
  () => loadInboundConfig(),
  () => loadWebhookConfig(),
  () => loadInboxConfig(),
  () => loadHttpConfig(),
];
