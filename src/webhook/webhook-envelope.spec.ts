import { readWebhookBody } from './webhook-envelope';
import { InvalidWebhookBodyError } from './webhook.errors';

const PAGE = '104857600000001';
const USER = '2467890123456789';
const T = 1_764_000_000_000;

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const envelope = (messaging: unknown[], extra: Record<string, unknown> = {}) =>
  body({ object: 'page', entry: [{ id: PAGE, time: T, messaging, ...extra }] });
const fromUser = (event: Record<string, unknown>) => ({
  sender: { id: USER },
  recipient: { id: PAGE },
  timestamp: T,
  ...event,
});

function eventsOf(raw: Buffer) {
  const result = readWebhookBody(raw, 42);
  if (result.kind !== 'page') throw new Error('expected a page envelope');
  return result.events;
}

describe(readWebhookBody.name, () => {
  it('keys a message by its own mid and the conversation by the sender', () => {
    const [e] = eventsOf(envelope([fromUser({ message: { mid: 'm_1', text: 'hi' } })]));
    expect(e).toMatchObject({
      dedupKey: 'mid:m_1',
      pageId: PAGE,
      psid: USER,
      conversationKey: USER,
      source: 'messaging',
      type: 'message',
      fbTimestampMs: T,
    });
    expect(JSON.parse(e.payloadJson)).toEqual(fromUser({ message: { mid: 'm_1', text: 'hi' } }));
  });

  it('takes the user of an echo from the recipient', () => {
    const [e] = eventsOf(
      envelope([
        {
          sender: { id: PAGE },
          recipient: { id: USER },
          timestamp: T,
          message: { mid: 'm_2', is_echo: true },
        },
      ]),
    );
    expect(e).toMatchObject({ type: 'echo', dedupKey: 'mid:m_2', psid: USER, conversationKey: USER });
  });

  it('keys a postback by its mid, and without one by a hash', () => {
    const [withMid, withoutMid] = eventsOf(
      envelope([
        fromUser({ postback: { mid: 'm_3', payload: 'GO' } }),
        fromUser({ postback: { payload: 'GO' } }),
      ]),
    );
    expect(withMid.dedupKey).toBe('postback:m_3');
    expect(withoutMid.dedupKey).toMatch(/^h:[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['reaction', { reaction: { mid: 'm_1', action: 'react', emoji: '❤' } }],
    ['delivery', { delivery: { mids: ['m_1'], watermark: T } }],
    ['read', { read: { watermark: T } }],
    ['message_edit', { message_edit: { mid: 'm_1', text: 'edited', num_edit: 1 } }],
  ])('never keys a %s by the mid it refers to', (type, event) => {
    const [e] = eventsOf(envelope([fromUser(event)]));
    expect(e.type).toBe(type);
    expect(e.dedupKey).toMatch(/^h:/);
  });

  it('gives two edits of one message different keys, and the same edit the same key', () => {
    const edit = (n: number) => fromUser({ message_edit: { mid: 'm_1', text: `v${n}`, num_edit: n } });
    const [a, b, c] = eventsOf(envelope([edit(1), edit(2)])).concat(eventsOf(envelope([edit(1)])));
    expect(a.dedupKey).not.toBe(b.dedupKey);
    expect(c.dedupKey).toBe(a.dedupKey);
  });

  it('includes the Page in hashed keys', () => {
    const read = fromUser({ read: { watermark: T } });
    const [a] = eventsOf(envelope([read]));
    const [b] = eventsOf(body({ object: 'page', entry: [{ id: '999', time: T, messaging: [read] }] }));
    expect(a.dedupKey).not.toBe(b.dedupKey);
  });

  it('keys checkbox opt-ins by user_ref and page-level events by the Page', () => {
    const [optin, policy] = eventsOf(
      envelope([
        { recipient: { id: PAGE }, timestamp: T, optin: { ref: 'r', user_ref: 'ur_1' } },
        { recipient: { id: PAGE }, timestamp: T, policy_enforcement: { action: 'block', reason: 'x' } },
      ]),
    );
    expect(optin).toMatchObject({ type: 'optin', psid: null, conversationKey: 'user_ref:ur_1' });
    expect(policy).toMatchObject({ type: 'policy_enforcement', psid: null, conversationKey: `page:${PAGE}` });
  });

  it('stores an unknown event type as unknown', () => {
    const [e] = eventsOf(envelope([fromUser({ brand_new_thing: { x: 1 } })]));
    expect(e).toMatchObject({ type: 'unknown', psid: USER });
  });

  it('reads standby items, in body order after messaging', () => {
    const events = eventsOf(
      envelope([fromUser({ message: { mid: 'm_a' } })], { standby: [fromUser({ message: { mid: 'm_b' } })] }),
    );
    expect(events.map((e) => [e.dedupKey, e.source])).toEqual([
      ['mid:m_a', 'messaging'],
      ['mid:m_b', 'standby'],
    ]);
  });

  it('falls back to the entry time, then the receipt time, when an event has no timestamp', () => {
    const delivery = { sender: { id: USER }, recipient: { id: PAGE }, delivery: { mids: ['m_1'] } };
    const [withEntryTime] = eventsOf(envelope([delivery]));
    const [withoutEntryTime] = eventsOf(
      body({ object: 'page', entry: [{ id: PAGE, messaging: [delivery] }] }),
    );
    expect(withEntryTime.fbTimestampMs).toBe(T);
    expect(withoutEntryTime.fbTimestampMs).toBe(42);
  });

  it('drops repeats within one body and counts them', () => {
    const message = fromUser({ message: { mid: 'm_1' } });
    const result = readWebhookBody(envelope([message, message, message]));
    expect(result).toMatchObject({ kind: 'page', duplicatesInBody: 2 });
  });

  it('stores a lone surrogate as U+FFFD (jsonb refuses it), keeps emoji and an escaped backslash-ud800 text', () => {
    const [e] = eventsOf(envelope([fromUser({ message: { mid: 'm_1', text: 'a\ud800b \udc00 😀 \\ud800' } })]));
    expect(JSON.parse(e.payloadJson).message.text).toBe('a\ufffdb \ufffd 😀 \\ud800');
  });

  it('stores U+0000 as U+FFFD (jsonb refuses it) but keeps an escaped backslash-u0000 text', () => {
    const [e] = eventsOf(envelope([fromUser({ message: { mid: 'm_1', text: 'a\u0000b \\u0000' } })]));
    expect(JSON.parse(e.payloadJson).message.text).toBe('a\ufffdb \\u0000');
  });

  it('ignores envelopes for other objects', () => {
    expect(readWebhookBody(body({ object: 'instagram', entry: 'whatever' }))).toEqual({
      kind: 'ignored',
      object: 'instagram',
    });
  });

  it.each([
    ['not JSON', Buffer.from('{"object":')],
    ['an array', body([])],
    ['without object', body({ entry: [] })],
    ['with entry not an array', body({ object: 'page', entry: {} })],
    ['with an entry that is not an object', body({ object: 'page', entry: [1] })],
    ['with an entry without a Page id', body({ object: 'page', entry: [{ messaging: [] }] })],
    ['with messaging not an array', body({ object: 'page', entry: [{ id: PAGE, messaging: {} }] })],
    [
      'with an event that is not an object',
      body({ object: 'page', entry: [{ id: PAGE, messaging: ['x'] }] }),
    ],
  ])('refuses a body %s', (_name, raw) => {
    expect(() => readWebhookBody(raw)).toThrow(InvalidWebhookBodyError);
  });
});
