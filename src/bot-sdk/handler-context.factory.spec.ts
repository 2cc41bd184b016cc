import type { SendService } from '../send/send.service';
import type { LinkedUserLookup } from './handler-context';
import { NoRecipientError } from './bot-sdk.errors';
import { HandlerContextFactory, type SendCollector } from './handler-context.factory';
import type { MessengerEvent } from './messenger-event';
import { parseMessengerEvent } from './messenger-event.parser';

const PAGE = '111';
const message = parseMessengerEvent({
  sender: { id: 'u1' },
  recipient: { id: PAGE },
  timestamp: 1,
  message: { mid: 'm', text: 'hi' },
});

describe(HandlerContextFactory.name, () => {
  const sent: unknown[] = [];
  const sendService = {
    stage: jest.fn((input: unknown) => {
      sent.push(input);
      const id = `out-${sent.length}`;
      return Promise.resolve({ row: { id }, result: { id, created: true, status: 'queued' } });
    }),
  } as unknown as SendService;
  /** Keeps what the handler staged, like the inbound processor's batch. */
  class Collector implements SendCollector {
    current: unknown[] = [];
    stage(row: unknown): void {
      this.current.push(row);
    }
    windowOpenedAt = () => undefined;
  }
  let batch: Collector;

  beforeEach(() => {
    sent.length = 0;
    batch = new Collector();
  });

  const contextFor = (event: MessengerEvent, replayCount = 0, linked?: LinkedUserLookup) =>
    new HandlerContextFactory(sendService, linked).create(
      {
        eventId: '42',
        attempt: 1,
        replayCount,
        page: { id: PAGE, bot: 'example', status: 'active' },
        event,
        raw: {},
        ownEcho: false,
      },
      batch,
    );

  it('stages replies into the collector instead of sending them, and answers their outbox ids', async () => {
    const ctx = await contextFor(message);
    await expect(ctx.reply('one')).resolves.toEqual({ id: 'out-1', created: true });
    expect(batch.current).toEqual([{ id: 'out-1' }]);
  });

  it('replies to the PSID as RESPONSE with per-event idempotency keys', async () => {
    const ctx = await contextFor(message);
    await ctx.reply('one');
    await ctx.reply({ text: 'two', quick_replies: [] });
    expect(sent).toEqual([
      expect.objectContaining({
        pageId: PAGE,
        recipient: { id: 'u1' },
        message: { text: 'one' },
        messagingType: 'RESPONSE',
        idempotencyKey: 'inbound:42:0:1',
      }),
      expect.objectContaining({
        message: { text: 'two', quick_replies: [] },
        idempotencyKey: 'inbound:42:0:2',
      }),
    ]);
  });

  it('gives a re-run the same keys (no double send) and a replay new ones', async () => {
    await (await contextFor(message)).reply('x');
    await (await contextFor(message)).reply('x');
    await (await contextFor(message, 1)).reply('x');
    expect(sent.map((s) => (s as { idempotencyKey: string }).idempotencyKey)).toEqual([
      'inbound:42:0:1',
      'inbound:42:0:1',
      'inbound:42:1:1',
    ]);
  });

  it('sends sender actions without a messaging type or key', async () => {
    const ctx = await contextFor(message);
    await ctx.typing();
    await ctx.typing(false);
    await ctx.markSeen();
    expect(sent).toEqual(
      ['typing_on', 'typing_off', 'mark_seen'].map((senderAction) =>
        expect.objectContaining({ senderAction, messagingType: undefined, idempotencyKey: undefined }),
      ),
    );
  });

  it('replies to a checkbox opt-in by user_ref', async () => {
    const optin = parseMessengerEvent({ recipient: { id: PAGE }, optin: { ref: 'r', user_ref: 'UR' } });
    await (await contextFor(optin)).reply('thanks');
    expect(sent[0]).toMatchObject({ recipient: { userRef: 'UR' } });
  });

  it('refuses to reply to an event naming no one', async () => {
    const policy = parseMessengerEvent({ recipient: { id: PAGE }, 'policy-enforcement': {} });
    await expect((await contextFor(policy)).reply('x')).rejects.toThrow(NoRecipientError);
  });

  it('fills linkedUser from the lookup when one is provided, else null', async () => {
    expect((await contextFor(message)).linkedUser).toBeNull();
    const lookup = { findLinkedUser: jest.fn(() => Promise.resolve({ userId: 'site-7' })) };
    expect((await contextFor(message, 0, lookup)).linkedUser).toEqual({ userId: 'site-7' });
    expect(lookup.findLinkedUser).toHaveBeenCalledWith(PAGE, 'u1');
  });
});
