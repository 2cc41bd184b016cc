import type { AlertsService } from '../alerts/alerts.service';
import { PageStatusEvents } from './page-status.events';
import type { Page } from './page.entity';
import type { PagesRepository } from './pages.repository';
import { PagesService } from './pages.service';
import type { TokenVault } from './token-vault';

// Only the in-process caching is specified here; persistence is covered by test/pages*.e2e-spec.ts.
function serviceWith(rows: Map<string, Partial<Page>>) {
  const repository = {
    findByPageId: jest.fn((pageId: string) =>
      Promise.resolve((rows.get(pageId) as Page | undefined) ?? null),
    ),
    touchLastEvent: jest.fn(() => Promise.resolve()),
  };
  const service = new PagesService(
    repository as unknown as PagesRepository,
    {} as TokenVault,
    {} as AlertsService,
    new PageStatusEvents(),
  );
  return { service, repository };
}

describe(PagesService.name, () => {
  afterEach(() => jest.useRealTimers());

  it('answers routing from a 5-second cache, and never caches an unknown Page', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const rows = new Map<string, Partial<Page>>([['1', { pageId: '1', status: 'active', bot: 'support' }]]);
    const { service, repository } = serviceWith(rows);

    await expect(service.getRouting('1')).resolves.toEqual({ pageId: '1', status: 'active', bot: 'support' });
    rows.set('1', { pageId: '1', status: 'paused', bot: 'support' });
    await expect(service.getRouting('1')).resolves.toMatchObject({ status: 'active' });
    jest.advanceTimersByTime(5_001);
    await expect(service.getRouting('1')).resolves.toMatchObject({ status: 'paused' });
    expect(repository.findByPageId).toHaveBeenCalledTimes(2);

    await expect(service.getRouting('2')).resolves.toBeNull();
    rows.set('2', { pageId: '2', status: 'active', bot: null });
    await expect(service.getRouting('2')).resolves.toMatchObject({ status: 'active' });
  });

  it('writes last_event_at at most once a minute per Page', async () => {
    const { service, repository } = serviceWith(new Map());
    const t0 = new Date('2026-01-01T00:00:00Z');
    await service.touchLastEvent('1', t0);
    await service.touchLastEvent('1', new Date(t0.getTime() + 59_000));
    await service.touchLastEvent('2', t0);
    await service.touchLastEvent('1', new Date(t0.getTime() + 60_000));
    expect(repository.touchLastEvent.mock.calls).toEqual([
      ['1', t0],
      ['2', t0],
      ['1', new Date(t0.getTime() + 60_000)],
    ]);
  });
});
