import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { APP_ENTRY } from './build';
import { type Child, freePort, type ProcessGroup, waitHealthy } from './children';

/** Fresh production secrets for one run (never the development values, which production refuses). */
export interface PlatformSecrets {
  appId: string;
  appSecret: string;
  verifyToken: string;
  adminApiKey: string;
  siteApiKey: string;
  tokenEncryptionKeys: string;
}

export function newSecrets(): PlatformSecrets {
  const key = () => randomBytes(32).toString('base64');
  return {
    appId: `9${Date.now()}`,
    appSecret: randomBytes(16).toString('hex'),
    verifyToken: randomBytes(12).toString('hex'),
    adminApiKey: key(),
    siteApiKey: key(),
    tokenEncryptionKeys: `bench:${key()}`,
  };
}

export interface PlatformSettings {
  secrets: PlatformSecrets;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** The fake Graph API; an unused loopback port when the phase makes no Graph call. */
  graphBaseUrl?: string;
  pageRate: number;
}

/** The environment of a platform process: production mode, every secret set, nothing inherited. */
export function platformEnv(
  settings: PlatformSettings,
  role: 'web' | 'worker',
  port: number,
): Record<string, string> {
  const { secrets } = settings;
  return {
    NODE_ENV: 'production',
    APP_ROLE: role,
    PORT: String(port),
    DATABASE_URL: settings.databaseUrl,
    DATABASE_AUTO_MIGRATE: 'false',
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: settings.queuePrefix,
    FB_APP_ID: secrets.appId,
    FB_APP_SECRET: secrets.appSecret,
    FB_VERIFY_TOKEN: secrets.verifyToken,
    GRAPH_API_BASE_URL: settings.graphBaseUrl ?? 'http://127.0.0.1:9',
    ADMIN_API_KEY: secrets.adminApiKey,
    SITE_API_KEY: secrets.siteApiKey,
    TOKEN_ENCRYPTION_KEYS: secrets.tokenEncryptionKeys,
    // The fake Graph API has no rate limit: pace far above what the machine can send (see README).
    SEND_PAGE_RATE_PER_SECOND: String(settings.pageRate),
    // Bull repeatable jobs run on wall-clock multiples of their period: keep the Page health check
    // (a Graph call per Page, 10,000 in the scale run) out of the measure.
    PAGES_HEALTH_CHECK_MINUTES: '1440',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
}

/** Starts one platform process (node dist/src/main.js) and waits for GET /health/ready. */
export async function startPlatform(
  group: ProcessGroup,
  name: string,
  settings: PlatformSettings,
  role: 'web' | 'worker',
): Promise<Child> {
  const port = await freePort();
  const child = group.start(name, APP_ENTRY, platformEnv(settings, role, port), port);
  await waitHealthy(child);
  return child;
}

/** POST /admin/pages with the Page's token, as an operator would; the web process verifies it with the Graph API. */
export async function registerPage(
  web: Child,
  adminApiKey: string,
  pageId: string,
  accessToken: string,
): Promise<void> {
  const res = await request(`${web.baseUrl}/admin/pages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken, pageId }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    throw new Error(`POST /admin/pages for ${pageId} answered ${res.statusCode}: ${text.slice(0, 500)}`);
  }
}
