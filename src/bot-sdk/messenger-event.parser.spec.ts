import { opensMessagingWindow } from './messenger-event';
import { parseMessengerEvent } from './messenger-event.parser';

const PAGE = '1234567890123456';
const PSID = '9876543210987654';
const envelope = (event: Record<string, unknown>, timestamp: unknown = 1_700_000_000_000) => ({
  sender: { id: PSID },
  recipient: { id: PAGE },
  timestamp,
  ...event,
});

describe('parseMessengerEvent', () => {
  it('reads a text message with quick reply and reply_to', () => {
    const e = parseMessengerEvent(
      envelope({
        message: { mid: 'm.1', text: 'hi', quick_reply: { payload: 'YES' }, reply_to: { mid: 'm.0' } },
      }),
    );
    expect(e).toEqual({
      type: 'message',
      pageId: PAGE,
      psid: PSID,
      userRef: undefined,
      timestamp: 1_700_000_000_000,
      mid: 'm.1',
      text: 'hi',
      attachments: [],
      quickReply: { payload: 'YES' },
      replyTo: { mid: 'm.0' },
    });
  });

  it('reads attachments: image, sticker, location, fallback', () => {
    const e = parseMessengerEvent(
      envelope({
        message: {
          mid: 'm.2',
          attachments: [
            { type: 'image', payload: { url: 'https://x/y.png', sticker_id: 369239263222822 } },
            { type: 'location', payload: { coordinates: { lat: 52.5, long: 13.4 } } },
            { type: 'fallback', title: 'A link', URL: 'https://example.com', payload: null },
          ],
        },
      }),
    );
    if (e.type !== 'message') throw new Error(e.type);
    expect(e.text).toBeUndefined();
    expect(e.quickReply).toBeUndefined();
    expect(e.attachments).toEqual([
      {
        type: 'image',
        url: 'https://x/y.png',
        title: undefined,
        stickerId: 369239263222822,
        payload: expect.any(Object),
      },
      {
        type: 'location',
        url: undefined,
        title: undefined,
        stickerId: undefined,
        coordinates: { lat: 52.5, long: 13.4 },
        payload: expect.any(Object),
      },
      { type: 'fallback', url: 'https://example.com', title: 'A link', stickerId: undefined },
    ]);
  });

  it('reads an echo: the user is the recipient, app_id as a string', () => {
    const e = parseMessengerEvent({
      sender: { id: PAGE },
      recipient: { id: PSID },
      timestamp: 5,
      message: { is_echo: true, app_id: 1517776481860111, metadata: 'meta', mid: 'm.3', text: 'sent' },
    });
    expect(e).toMatchObject({
      type: 'echo',
      pageId: PAGE,
      psid: PSID,
      appId: '1517776481860111',
      mid: 'm.3',
    });
    expect(e).toMatchObject({ text: 'sent', metadata: 'meta' });
  });

  it('reads an echo written from the Page inbox (no app_id)', () => {
    const e = parseMessengerEvent({
      sender: { id: PAGE },
      recipient: { id: PSID },
      message: { is_echo: true, mid: 'm' },
    });
    expect(e).toMatchObject({ type: 'echo', appId: undefined });
  });

  it('reads a postback with a referral (Get Started from an m.me link)', () => {
    const e = parseMessengerEvent(
      envelope({
        postback: {
          mid: 'm.4',
          title: 'Get Started',
          payload: 'GET_STARTED',
          referral: { ref: 'summer', source: 'SHORTLINK', type: 'OPEN_THREAD' },
        },
      }),
    );
    expect(e).toMatchObject({
      type: 'postback',
      mid: 'm.4',
      payload: 'GET_STARTED',
      title: 'Get Started',
      referral: { ref: 'summer', source: 'SHORTLINK', type: 'OPEN_THREAD' },
    });
  });

  it('reads a referral from an ad', () => {
    const e = parseMessengerEvent(
      envelope({ referral: { ref: 'r', source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433' } }),
    );
    expect(e).toMatchObject({
      type: 'referral',
      referral: { ref: 'r', source: 'ADS', adId: '6045246247433' },
    });
  });

  it('reads a Send to Messenger optin with data-ref', () => {
    const e = parseMessengerEvent(envelope({ optin: { ref: 'order-42' } }));
    expect(e).toMatchObject({ type: 'optin', ref: 'order-42', psid: PSID });
  });

  it('reads a checkbox optin: user_ref only, no PSID', () => {
    const e = parseMessengerEvent({
      recipient: { id: PAGE },
      timestamp: 1,
      optin: { ref: 'cb', user_ref: 'UR-1' },
    });
    expect(e).toMatchObject({ type: 'optin', ref: 'cb', userRef: 'UR-1', pageId: PAGE });
    expect(e.psid).toBeUndefined();
  });

  it('reads a chat plugin event with sender.user_ref only', () => {
    const e = parseMessengerEvent({
      sender: { user_ref: 'UR-2' },
      recipient: { id: PAGE },
      postback: { payload: 'P' },
    });
    expect(e).toMatchObject({ type: 'postback', userRef: 'UR-2', payload: 'P' });
    expect(e.psid).toBeUndefined();
  });

  it('reads account linking and unlinking', () => {
    expect(
      parseMessengerEvent(envelope({ account_linking: { status: 'linked', authorization_code: 'c0de' } })),
    ).toMatchObject({ type: 'account_linked', authorizationCode: 'c0de' });
    expect(parseMessengerEvent(envelope({ account_linking: { status: 'unlinked' } }))).toMatchObject({
      type: 'account_unlinked',
    });
  });

  it('reads a delivery without timestamp', () => {
    const e = parseMessengerEvent({
      sender: { id: PSID },
      recipient: { id: PAGE },
      delivery: { mids: ['m.a', 'm.b'], watermark: 1458668856253 },
    });
    expect(e).toMatchObject({ type: 'delivery', mids: ['m.a', 'm.b'], watermark: 1458668856253 });
    expect(e.timestamp).toBeUndefined();
  });

  it('reads a read receipt and a reaction', () => {
    expect(parseMessengerEvent(envelope({ read: { watermark: 9 } }))).toMatchObject({
      type: 'read',
      watermark: 9,
    });
    expect(
      parseMessengerEvent(
        envelope({ reaction: { reaction: 'love', emoji: '\u2764', action: 'react', mid: 'm.x' } }),
      ),
    ).toMatchObject({ type: 'reaction', reaction: 'love', emoji: '\u2764', action: 'react', mid: 'm.x' });
  });

  it.each([
    [
      'pass_thread_control',
      { new_owner_app_id: '123', metadata: 'm' },
      { newOwnerAppId: '123', metadata: 'm' },
    ],
    ['take_thread_control', { previous_owner_app_id: '456' }, { previousOwnerAppId: '456' }],
    ['request_thread_control', { requested_owner_app_id: 789 }, { requestedOwnerAppId: '789' }],
  ])('reads handover %s', (action, body, expected) => {
    expect(parseMessengerEvent(envelope({ [action]: body }))).toMatchObject({
      type: 'handover',
      action,
      ...expected,
    });
  });

  it('reads app_roles (no sender)', () => {
    const e = parseMessengerEvent({
      recipient: { id: PAGE },
      timestamp: 1,
      app_roles: { '123': ['primary_receiver'] },
    });
    expect(e).toMatchObject({
      type: 'handover',
      action: 'app_roles',
      appRoles: { '123': ['primary_receiver'] },
    });
    expect(e.psid).toBeUndefined();
  });

  it('wraps a standby item and keeps the envelope', () => {
    const e = parseMessengerEvent(envelope({ message: { mid: 'm.s', text: 'to the other app' } }), {
      standby: true,
    });
    expect(e).toMatchObject({ type: 'standby', pageId: PAGE, psid: PSID, timestamp: 1_700_000_000_000 });
    if (e.type !== 'standby') throw new Error(e.type);
    expect(e.event).toMatchObject({ type: 'message', text: 'to the other app' });
  });

  it('names unknown events (message_edit, policy enforcement without sender) instead of failing', () => {
    expect(parseMessengerEvent(envelope({ message_edit: { mid: 'm', text: 'x' } }))).toMatchObject({
      type: 'unknown',
      kind: 'message_edit',
    });
    const policy = parseMessengerEvent({
      recipient: { id: PAGE },
      timestamp: 3,
      'policy-enforcement': { action: 'block' },
    });
    expect(policy).toMatchObject({ type: 'unknown', kind: 'policy-enforcement', pageId: PAGE });
    expect(policy.psid).toBeUndefined();
  });

  it('never throws on garbage', () => {
    for (const raw of [
      null,
      42,
      'x',
      [],
      {},
      { message: 'not an object' },
      { account_linking: { status: 'odd' } },
    ]) {
      expect(parseMessengerEvent(raw).type).toBe('unknown');
    }
    expect(parseMessengerEvent(envelope({}, 'not a number')).timestamp).toBeUndefined();
    expect(parseMessengerEvent(envelope({}, '1700000000000')).timestamp).toBe(1_700_000_000_000);
  });
});

describe('opensMessagingWindow', () => {
  it.each([
    [{ message: { mid: 'm', text: 't' } }, true],
    [{ postback: { payload: 'p' } }, true],
    [{ reaction: { action: 'react' } }, true],
    [{ referral: { ref: 'r' } }, true],
    [{ optin: { ref: 'r' } }, true],
    [{ delivery: { mids: [] } }, false],
    [{ read: { watermark: 1 } }, false],
    [{ message: { is_echo: true, mid: 'm' } }, false],
  ])('%j -> %s', (event, expected) => {
    expect(opensMessagingWindow(parseMessengerEvent(envelope(event)))).toBe(expected);
  });
});
