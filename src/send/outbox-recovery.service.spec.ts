import { Logger } from '@nestjs/common';
import type { AlertsService } from '../alerts/alerts.service';
import { loadSendConfig } from '../config/send.config';
import { PageStatusEvents } from '../pages/page-status.events';
import { PageNotFoundError } from '../pages/pages.errors';
import type { PagesService } from '../pages/pages.service';
import type { OutboundMessage } from './outbound-message.entity';
import { OutboxRecoveryService } from './outbox-recovery.service';
import type { OutboxRepository } from './outbox.repository';
import type { SendScheduler } from './send-scheduler';

const PAGE = '100';

/** The order in which the Page's waiting messages were held and released, and the statuses read. */
describe(OutboxRecoveryService.name, () => {
  let calls: string[];
  let statuses: string[];
  let events: PageStatusEvents;
  let service: OutboxRecoveryService;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    calls = [];
    statuses = [];
    events = new PageStatusEvents();
    const outbox = {
      holdQueuedOfPage: () => {
        calls.push('hold');
        return Promise.resolve(2);
      },
      releaseHeld: () => {
        calls.push('release');
        return Promise.resolve([{ id: 'm1' } as OutboundMessage]);
      },
    } as unknown as OutboxRepository;
    const scheduler = {
      enqueue: (m: OutboundMessage) => {
        calls.push(`enqueue ${m.id}`);
        return Promise.resolve(true);
      },
    } as unknown as SendScheduler;
    const pages = {
      // Each read answers the next status of the list; the last one stays.
      findById: () => {
        const status = statuses.length > 1 ? statuses.shift()! : statuses[0];
        calls.push(`read ${status}`);
        if (status === 'unknown') return Promise.reject(new PageNotFoundError(PAGE));
        return Promise.resolve({ pageId: PAGE, status });
      },
    } as unknown as PagesService;
    service = new OutboxRecoveryService(
      outbox,
      scheduler,
      pages,
      events,
      {} as AlertsService,
      loadSendConfig({}),
    );
  });
  afterEach(() => {
    service.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('a Page going on hold holds its queued messages, then checks the status is still on hold', async () => {
    statuses = ['token_invalid'];
    expect(await service.followPageStatus(PAGE, true)).toBe('held');
    expect(calls).toEqual(['hold', 'read token_invalid']);
  });

  it('a resume committed while the hold ran: the hold is undone, the last status wins', async () => {
    statuses = ['active'];
    expect(await service.followPageStatus(PAGE, true)).toBe('released');
    expect(calls).toEqual(['hold', 'read active', 'release', 'enqueue m1', 'read active']);
  });

  it('a pause committed while the release ran: the released messages are held again', async () => {
    statuses = ['paused'];
    expect(await service.followPageStatus(PAGE, false)).toBe('held');
    expect(calls).toEqual(['release', 'enqueue m1', 'read paused', 'hold', 'read paused']);
  });

  it('without a status (the sweep) reads it first; an unknown Page is released', async () => {
    statuses = ['unknown'];
    expect(await service.followPageStatus(PAGE)).toBe('released');
    expect(calls).toEqual(['read unknown', 'release', 'enqueue m1', 'read unknown']);
  });

  it('follows the status changes this process commits: on hold and active, not unsubscribed', async () => {
    statuses = ['paused'];
    service.onModuleInit();
    events.emit({ pageId: PAGE, status: 'unsubscribed', previous: 'active' });
    events.emit({ pageId: PAGE, status: 'paused', previous: 'active' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['hold', 'read paused']);
  });
});
