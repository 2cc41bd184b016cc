import type { PageCredentials } from './pages.service';

// Bounded like the routing cache: 10,000 Pages cannot grow it without limit.
const MAX_CACHED = 10_000;

/**
 * A Page's decrypted token and status for a few seconds, for the send path (one lookup per message).
 * Lives in memory only, like TokenVault's cache of opened tokens. Concurrent misses for a Page share
 * one read (at expiry, every send job of the process would otherwise read at once). `forget` after
 * this process changed the Page: a read that started before the change is neither shared nor kept.
 */
export class PageCredentialsCache {
  private readonly entries = new Map<string, { value: PageCredentials; expiresAt: number }>();
  private readonly reading = new Map<string, Promise<PageCredentials>>();
  private epoch = 0;

  constructor(private readonly ttlMs: number) {}

  /** The cached value, else the read in progress, else `read()` (which stores with `set`). */
  through(pageId: string, read: () => Promise<PageCredentials>): Promise<PageCredentials> {
    const hit = this.entries.get(pageId);
    if (hit && hit.expiresAt > Date.now()) return Promise.resolve(hit.value);
    const pending = this.reading.get(pageId);
    if (pending) return pending;
    const started = read().finally(() => {
      if (this.reading.get(pageId) === started) this.reading.delete(pageId);
    });
    this.reading.set(pageId, started);
    return started;
  }

  /** The epoch to pass to `set` with the value read after this call. */
  begin(): number {
    return this.epoch;
  }

  set(value: PageCredentials, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.entries.delete(value.pageId);
    if (this.entries.size >= MAX_CACHED) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(value.pageId, { value, expiresAt: Date.now() + this.ttlMs });
  }

  forget(pageId: string): void {
    this.epoch++;
    this.entries.delete(pageId);
    this.reading.delete(pageId);
  }
}
