import type { AlertsService } from '../alerts/alerts.service';
import { PageStatusEvents } from './page-status.events';
import { PageNotFoundError } from './pages.errors';
import type { Page, PageStatus } from './page.entity';
import type { PageChange, PagesRepository } from './pages.repository';
import { PagesService } from './pages.service';
import type { SealedToken, TokenVault } from './token-vault';

// Only the in-process caching is specified here; persistence is covered by test/pages/*.e2e-spec.ts.
function serviceWith(rows: Map<string, Partial<Page>>) {
  const repository = {
    findByPageId: jest.fn((pageId: string) =>
      Promise.resolve((rows.get(pageId) as Page | undefined) ?? null),
    ),
    touchLastEvent: jest.fn(() => Promise.resolve()),
  };
  // The "ciphertext" is the token itself: what is specified here is what gets cached, not the vault.
  const vault = { open: (_pageId: string, sealed: SealedToken) => sealed.ciphertext.toString('utf8') };
  const service = new PagesService(
    repository as unknown as PagesRepository,
    vault as TokenVault,
    {} as AlertsService,
    new PageStatusEvents(),
  );
  return { service, repository };
}

function pageRow(pageId: string, status: PageStatus, token: string): Partial<Page> {
  return {
    pageId,
    status,
    bot: null,
    tokenCiphertext: Buffer.from(token),
    tokenIv: Buffer.alloc(12),
    tokenAuthTag: Buffer.alloc(16),
    tokenKeyId: 'k1',
  };
}

const change = (page: Partial<Page>, previous: PageStatus): PageChange => ({ page: page as Page, previous });

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

  describe('credentials for the send path', () => {
    it('answers from a 5-second cache; getCredentials always reads and renews it', async () => {
      jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
      const rows = new Map([['1', pageRow('1', 'active', 'token-a')]]);
      const { service, repository } = serviceWith(rows);

      await expect(service.getCachedCredentials('1')).resolves.toEqual({
        pageId: '1',
        status: 'active',
        bot: null,
        accessToken: 'token-a',
      });
      rows.set('1', pageRow('1', 'active', 'token-b'));
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ accessToken: 'token-a' });
      expect(repository.findByPageId).toHaveBeenCalledTimes(1);

      await expect(service.getCredentials('1')).resolves.toMatchObject({ accessToken: 'token-b' });
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ accessToken: 'token-b' });
      expect(repository.findByPageId).toHaveBeenCalledTimes(2);

      rows.set('1', pageRow('1', 'paused', 'token-b'));
      jest.advanceTimersByTime(5_001);
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ status: 'paused' });
    });

    it('forgets a Page as soon as this process committed a change to it', async () => {
      const rows = new Map([['1', pageRow('1', 'active', 'token-a')]]);
      const { service } = serviceWith(rows);
      await service.getCachedCredentials('1');

      rows.set('1', pageRow('1', 'token_invalid', 'token-a'));
      service.committed(change(rows.get('1')!, 'active'));
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ status: 'token_invalid' });

      // A new token with no status change (an operator's PATCH) is a committed change too.
      rows.set('1', pageRow('1', 'token_invalid', 'token-b'));
      service.committed(change(rows.get('1')!, 'token_invalid'));
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ accessToken: 'token-b' });
    });

    it('does not keep what a read started before a committed change returned', async () => {
      const rows = new Map([['1', pageRow('1', 'active', 'token-a')]]);
      const { service, repository } = serviceWith(rows);
      let release!: () => void;
      repository.findByPageId.mockImplementationOnce(async (pageId: string) => {
        const before = rows.get(pageId) as Page;
        await new Promise<void>((resolve) => (release = resolve));
        return before;
      });
      const slow = service.getCachedCredentials('1');
      await Promise.resolve();
      rows.set('1', pageRow('1', 'paused', 'token-a'));
      service.committed(change(rows.get('1')!, 'active'));
      release();
      await expect(slow).resolves.toMatchObject({ status: 'active' });
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ status: 'paused' });
    });

    it('shares one read between concurrent misses', async () => {
      const { service, repository } = serviceWith(new Map([['1', pageRow('1', 'active', 'token-a')]]));
      const all = await Promise.all(Array.from({ length: 20 }, () => service.getCachedCredentials('1')));
      expect(new Set(all.map((c) => c.accessToken))).toEqual(new Set(['token-a']));
      expect(repository.findByPageId).toHaveBeenCalledTimes(1);
    });

    it('never caches a failure', async () => {
      const rows = new Map<string, Partial<Page>>();
      const { service } = serviceWith(rows);
      await expect(service.getCachedCredentials('1')).rejects.toBeInstanceOf(PageNotFoundError);
      rows.set('1', pageRow('1', 'active', 'token-a'));
      await expect(service.getCachedCredentials('1')).resolves.toMatchObject({ accessToken: 'token-a' });
    });
  });
});
