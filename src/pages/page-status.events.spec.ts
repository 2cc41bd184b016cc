import { PageStatusEvents, type PageStatusChange } from './page-status.events';

describe(PageStatusEvents.name, () => {
  it('emits changes and drops non-changes', () => {
    const events = new PageStatusEvents();
    const seen: PageStatusChange[] = [];
    events.changes$.subscribe((c) => seen.push(c));
    events.emit({ pageId: '1', status: 'active', previous: null });
    events.emit({ pageId: '1', status: 'active', previous: 'active' });
    events.emit({ pageId: '1', status: 'token_invalid', previous: 'active' });
    expect(seen).toEqual([
      { pageId: '1', status: 'active', previous: null },
      { pageId: '1', status: 'token_invalid', previous: 'active' },
    ]);
  });
});
