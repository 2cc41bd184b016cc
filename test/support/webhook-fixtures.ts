import { createHmac, randomInt } from 'node:crypto';
import type { TestApp } from './test-app';

/** Shared by the webhook and inbox e2e specs: signed Messenger webhook bodies. */
export const APP_SECRET = 'e2e-webhook-app-secret-6c1f0a';
export const VERIFY_TOKEN = 'e2e-verify-token-93ab';
export const ADMIN_KEY = 'e2e-admin-key-webhook-0123456789-abcdef';

/**
 * The app of a webhook/inbox spec: web role (no processor takes the wake-up jobs, so a test can see
 * them) and a queue prefix of its own (no other spec's workers take them either). The role decides
 * which providers modules declare, so the app's modules are loaded only now (each spec file has its
 * own module registry).
 */
export async function startWebhookApp(name: string, env: Record<string, string> = {}): Promise<TestApp> {
  const role = process.env.APP_ROLE;
  process.env.APP_ROLE = env.APP_ROLE ?? 'web';
  try {
    const { startTestApp } = await import('./test-app');
    return await startTestApp({
      FB_APP_SECRET: APP_SECRET,
      FB_VERIFY_TOKEN: VERIFY_TOKEN,
      ADMIN_API_KEY: ADMIN_KEY,
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${name}`,
      ...env,
    });
  } finally {
    if (role === undefined) delete process.env.APP_ROLE;
    else process.env.APP_ROLE = role;
  }
}

export const sign = (raw: string | Buffer, secret = APP_SECRET): string =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

export const signSha1 = (raw: string | Buffer, secret = APP_SECRET): string =>
  `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;

/** Random numeric ids so specs sharing one database never collide. */
export const fbId = (): string => `${randomInt(100_000, 999_999)}${randomInt(100_000_000, 999_999_999)}`;

let midCounter = 0;
export const mid = (): string => `m_${fbId()}_${++midCounter}`;

const T0 = 1_764_000_000_000;
let clock = 0;
const at = () => T0 + ++clock * 1000;

export const ev = {
  message: (page: string, psid: string, text = 'hello') => ({
    sender: { id: psid },
    recipient: { id: page },
    timestamp: at(),
    message: { mid: mid(), text },
  }),
  echo: (page: string, psid: string) => ({
    sender: { id: page },
    recipient: { id: psid },
    timestamp: at(),
    message: { mid: mid(), is_echo: true, app_id: 1234, text: 'from the page' },
  }),
  postback: (page: string, psid: string, payload = 'GET_STARTED') => ({
    sender: { id: psid },
    recipient: { id: page },
    timestamp: at(),
    postback: { mid: mid(), title: 'Get Started', payload },
  }),
  delivery: (page: string, psid: string, mids: string[]) => ({
    sender: { id: psid },
    recipient: { id: page },
    delivery: { mids, watermark: at() },
  }),
  read: (page: string, psid: string) => ({
    sender: { id: psid },
    recipient: { id: page },
    timestamp: at(),
    read: { watermark: at() },
  }),
  referral: (page: string, psid: string, ref = 'ad-42') => ({
    sender: { id: psid },
    recipient: { id: page },
    timestamp: at(),
    referral: { ref, source: 'SHORTLINK', type: 'OPEN_THREAD' },
  }),
  optin: (page: string, psid: string, ref = 'newsletter') => ({
    sender: { id: psid },
    recipient: { id: page },
    timestamp: at(),
    optin: { ref },
  }),
  checkboxOptin: (page: string, userRef: string) => ({
    recipient: { id: page },
    timestamp: at(),
    optin: { ref: 'checkout', user_ref: userRef },
  }),
};

export type WebhookEvent = Record<string, unknown>;
export interface Entry {
  page: string;
  messaging?: WebhookEvent[];
  standby?: WebhookEvent[];
}

export const envelope = (entries: Entry[]): string =>
  JSON.stringify({
    object: 'page',
    entry: entries.map((e) => ({
      id: e.page,
      time: at(),
      ...(e.messaging ? { messaging: e.messaging } : {}),
      ...(e.standby ? { standby: e.standby } : {}),
    })),
  });

/** 3 entries x 5 events: messages, postbacks, an echo, a delivery, a read, a referral, opt-ins, standby. */
export function fifteenEventBody(): { body: string; pages: string[] } {
  const pages = [fbId(), fbId(), fbId()];
  const [a, b, c] = pages;
  const [u1, u2, u3] = [fbId(), fbId(), fbId()];
  const first = ev.message(a, u1, 'hi');
  const body = envelope([
    {
      page: a,
      messaging: [
        first,
        ev.postback(a, u1),
        ev.echo(a, u1),
        ev.delivery(a, u1, [(first.message as { mid: string }).mid]),
      ],
      standby: [ev.message(a, u2, 'to the other app')],
    },
    {
      page: b,
      messaging: [ev.read(b, u2), ev.referral(b, u2), ev.optin(b, u2), ev.message(b, u2), ev.postback(b, u2)],
    },
    {
      page: c,
      messaging: [ev.message(c, u3), ev.checkboxOptin(c, `ur_${fbId()}`), ev.read(c, u3), ev.echo(c, u3)],
      standby: [ev.postback(c, u3)],
    },
  ]);
  return { body, pages };
}

export function postWebhook(t: TestApp, body: string | Buffer, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/webhook',
    payload: body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body), ...headers },
  });
}
