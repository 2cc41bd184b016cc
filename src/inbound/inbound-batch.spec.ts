import type { StagedRow } from '../send/send.service';
import { InboundBatch } from './inbound-batch';

const row = (id: string) => ({ id }) as StagedRow;

describe(InboundBatch.name, () => {
  it('keeps the sends of a handler that returned and drops those of one that threw', () => {
    const batch = new InboundBatch();
    batch.stage(row('a'));
    batch.keepEvent();
    batch.stage(row('b'));
    batch.dropEvent();
    batch.stage(row('c'));
    batch.keepEvent();
    expect(batch.staged.map((r) => r.id)).toEqual(['a', 'c']);
  });

  it('knows the latest window opening of each person in the batch, and only window-opening actions', () => {
    const batch = new InboundBatch();
    const at = (iso: string) => new Date(iso);
    batch.recordUserEvent({ pageId: 'p', psid: 'u1', at: at('2026-12-01T10:00:00Z'), opensWindow: true });
    batch.recordUserEvent({ pageId: 'p', psid: 'u1', at: at('2026-12-01T09:00:00Z'), opensWindow: true });
    batch.recordUserEvent({ pageId: 'p', psid: 'u1', at: at('2026-12-01T11:00:00Z'), opensWindow: false });
    batch.recordUserEvent({ pageId: 'p', psid: 'u2', at: at('2026-12-01T11:00:00Z'), opensWindow: false });
    expect(batch.windowOpenedAt('u1')).toEqual(at('2026-12-01T10:00:00Z'));
    expect(batch.windowOpenedAt('u2')).toBeUndefined();
    expect(batch.userEvents).toHaveLength(4);
  });
});
