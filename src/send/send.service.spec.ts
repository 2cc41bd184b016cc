import { loadSendConfig } from '../config/send.config';
import type { ConversationsService } from '../conversations/conversations.service';
import type { PagesService } from '../pages/pages.service';
import type { OutboundMessage } from './outbound-message.entity';
import type { NewOutboundMessage, OutboxRepository } from './outbox.repository';
import { RecipientResolver } from './recipient-resolver';
import type { SendScheduler } from './send-scheduler';
import { SendService } from './send.service';

const NOW = new Date('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;
const PAGE = '100';
const PSID = '200';

describe(SendService.name, () => {
  let lastWrote: Date | null;
  let pageStatus: string;
  let inserted: NewOutboundMessage[];
  let enqueued: string[];
  let existing: OutboundMessage | null;
  let service: SendService;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    lastWrote = null;
    pageStatus = 'active';
    inserted = [];
    enqueued = [];
    existing = null;
    const outbox = {
      findByIdempotencyKey: () => Promise.resolve(existing),
      insert: (row: NewOutboundMessage) => {
        inserted.push(row);
        return Promise.resolve({ id: `m${inserted.length}`, status: row.status } as OutboundMessage);
      },
    } as unknown as OutboxRepository;
    const scheduler = {
      enqueue: (m: OutboundMessage) => {
        enqueued.push(m.id);
        return Promise.resolve(true);
      },
    } as unknown as SendScheduler;
    const pages = {
      getRouting: (pageId: string) =>
        Promise.resolve(pageId === PAGE ? { pageId, status: pageStatus, bot: null } : null),
    } as unknown as PagesService;
    const conversations = {
      lastUserMessageAt: () => Promise.resolve(lastWrote),
    } as unknown as ConversationsService;
    service = new SendService(
      outbox,
      scheduler,
      pages,
      conversations,
      new RecipientResolver(),
      loadSendConfig({}),
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const text = { pageId: PAGE, recipient: { id: PSID }, message: { text: 'hi' } };
  const ago = (ms: number) => new Date(NOW.getTime() - ms);

  it('accepts a standard message just inside 24 hours and queues a job', async () => {
    lastWrote = ago(24 * HOUR - 1_000);
    await expect(service.send(text)).resolves.toEqual({ id: 'm1', created: true, status: 'queued' });
    expect(enqueued).toEqual(['m1']);
  });

  it('refuses a standard message just past 24 hours, storing nothing', async () => {
    lastWrote = ago(24 * HOUR + 1_000);
    await expect(service.send(text)).rejects.toMatchObject({ status: 422, code: 'outside_messaging_window' });
    expect(inserted).toEqual([]);
  });

  it('refuses someone who never wrote', async () => {
    await expect(service.send(text)).rejects.toMatchObject({ status: 422, code: 'outside_messaging_window' });
  });

  it('holds sender actions to the same window', async () => {
    lastWrote = ago(25 * HOUR);
    await expect(
      service.send({ pageId: PAGE, recipient: { id: PSID }, senderAction: 'typing_on' }),
    ).rejects.toMatchObject({
      status: 422,
    });
  });

  it('gives HUMAN_AGENT seven days', async () => {
    lastWrote = ago(7 * 24 * HOUR - 1_000);
    await expect(service.send({ ...text, tag: 'HUMAN_AGENT' })).resolves.toMatchObject({ created: true });
    lastWrote = ago(7 * 24 * HOUR + 1_000);
    await expect(service.send({ ...text, tag: 'HUMAN_AGENT' })).rejects.toMatchObject({ status: 422 });
  });

  it('lets other allowed tags through whenever the person last wrote', async () => {
    await expect(service.send({ ...text, tag: 'ACCOUNT_UPDATE' })).resolves.toMatchObject({ created: true });
    expect(inserted[0]).toMatchObject({ messagingType: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' });
  });

  it('does not check the window for a phone number', async () => {
    await expect(
      service.send({ pageId: PAGE, recipient: { phoneNumber: '+14155550123' }, message: { text: 'hi' } }),
    ).resolves.toMatchObject({ created: true });
  });

  it('stores a message for a paused or token-invalid Page as held, without a job', async () => {
    lastWrote = ago(HOUR);
    for (const status of ['paused', 'token_invalid']) {
      pageStatus = status;
      await expect(service.send(text)).resolves.toMatchObject({ status: 'held' });
    }
    expect(enqueued).toEqual([]);
  });

  it('answers a repeated idempotency key with the first message, even after the window closed', async () => {
    existing = { id: 'first', status: 'sent' } as OutboundMessage;
    await expect(service.send({ ...text, idempotencyKey: 'k1' })).resolves.toEqual({
      id: 'first',
      created: false,
      status: 'sent',
    });
    expect(inserted).toEqual([]);
  });

  it('404 for an unknown Page and 409 for a removed one', async () => {
    await expect(service.send({ ...text, pageId: '999' })).rejects.toMatchObject({
      status: 404,
      code: 'page_not_found',
    });
    pageStatus = 'removed';
    await expect(service.send(text)).rejects.toMatchObject({ status: 409, code: 'page_removed' });
  });
});
