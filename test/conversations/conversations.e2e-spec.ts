import { ConversationsService } from '../../src/conversations/conversations.service';
import { startTestApp, type TestApp } from '../support/test-app';

// Scenarios wait for retries, sweeps and short caches; generous on a loaded machine.
jest.setTimeout(60_000);

describe(`${ConversationsService.name} (e2e, real Postgres)`, () => {
  let t: TestApp;
  let conversations: ConversationsService;
  const page = '700000000000001';
  let n = 0;
  const psid = () => `80000000000${String(++n).padStart(4, '0')}`;
  const at = (iso: string) => new Date(iso);

  beforeAll(async () => {
    t = await startTestApp();
    conversations = t.app.get(ConversationsService);
  });
  afterAll(async () => {
    await t.close();
  });

  it('knows nobody before their first event', async () => {
    await expect(conversations.lastUserMessageAt(page, psid())).resolves.toBeNull();
  });

  it("records a person's message as the start of the window", async () => {
    const p = psid();
    await conversations.recordUserEvent(page, p, at('2026-01-01T10:00:00Z'), true);
    await expect(conversations.lastUserMessageAt(page, p)).resolves.toEqual(at('2026-01-01T10:00:00Z'));
    await expect(conversations.findOne(page, p)).resolves.toMatchObject({
      firstSeenAt: at('2026-01-01T10:00:00Z'),
      lastEventAt: at('2026-01-01T10:00:00Z'),
    });
  });

  it('does not open the window on delivery, read or echo events', async () => {
    const p = psid();
    await conversations.recordUserEvent(page, p, at('2026-01-01T10:00:00Z'), false);
    await expect(conversations.lastUserMessageAt(page, p)).resolves.toBeNull();
    await conversations.recordUserEvent(page, p, at('2026-01-01T11:00:00Z'), true);
    await conversations.recordUserEvent(page, p, at('2026-01-01T12:00:00Z'), false);
    await expect(conversations.findOne(page, p)).resolves.toMatchObject({
      firstSeenAt: at('2026-01-01T10:00:00Z'),
      lastUserMessageAt: at('2026-01-01T11:00:00Z'),
      lastEventAt: at('2026-01-01T12:00:00Z'),
    });
  });

  it('never moves a time backwards when events arrive out of order', async () => {
    const p = psid();
    await conversations.recordUserEvent(page, p, at('2026-01-02T12:00:00Z'), true);
    await conversations.recordUserEvent(page, p, at('2026-01-02T08:00:00Z'), true);
    await expect(conversations.findOne(page, p)).resolves.toMatchObject({
      firstSeenAt: at('2026-01-02T08:00:00Z'),
      lastUserMessageAt: at('2026-01-02T12:00:00Z'),
      lastEventAt: at('2026-01-02T12:00:00Z'),
    });
  });

  it('keeps the latest time when many events race', async () => {
    const p = psid();
    const times = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 0, 3, 0, i)));
    const shuffled = [...times].sort(() => Math.random() - 0.5);
    await Promise.all(shuffled.map((time, i) => conversations.recordUserEvent(page, p, time, i % 2 === 0)));
    const row = await conversations.findOne(page, p);
    expect(row?.firstSeenAt).toEqual(times[0]);
    expect(row?.lastEventAt).toEqual(times[29]);
    const windowOpeners = shuffled.filter((_, i) => i % 2 === 0).map((d) => d.getTime());
    expect(row?.lastUserMessageAt?.getTime()).toBe(Math.max(...windowOpeners));
  });

  it('keeps Pages apart: the same PSID on another Page is another conversation', async () => {
    const p = psid();
    await conversations.recordUserEvent(page, p, at('2026-01-04T00:00:00Z'), true);
    await expect(conversations.lastUserMessageAt('700000000000002', p)).resolves.toBeNull();
  });
});
