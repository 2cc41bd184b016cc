import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, MoreThan, QueryFailedError, type EntityManager, type Repository } from 'typeorm';
import type { PageHealthReport } from './page-health.report';
import { Page, type PageStatus } from './page.entity';
import type { SealedToken } from './token-vault';

/** A verified token, ready to store. */
export interface TokenRecord {
  sealed: SealedToken;
  fingerprint: string;
  expiresAt: Date | null;
  scopes: string[];
}

export interface Registration {
  pageId: string;
  name: string;
  token: TokenRecord;
  status: PageStatus;
  statusReason: string | null;
  /** null: leave the stored subscribed fields as they are. */
  subscribedFields: string[] | null;
  subscribedAt: Date | null;
  /** undefined: a new Page gets the default bot (null), a registered one keeps its bot. */
  bot?: string | null;
}

export interface PagePatch {
  name?: string;
  bot?: string | null;
  status?: PageStatus;
  statusReason?: string | null;
  token?: TokenRecord;
}

/** A committed change and the status the Page had before it (null: the Page is new). */
export interface PageChange {
  page: Page;
  previous: PageStatus | null;
}

const UNIQUE_VIOLATION = '23505';

/** The only code that reads or writes the `pages` table. */
@Injectable()
export class PagesRepository {
  constructor(
    @InjectRepository(Page) private readonly pages: Repository<Page>,
    private readonly dataSource: DataSource,
  ) {}

  findByPageId(pageId: string): Promise<Page | null> {
    return this.pages.findOneBy({ pageId });
  }

  /** One page of the admin list, ordered by page id (keyset paging). */
  list(filter: { status?: PageStatus; after?: string; limit: number }): Promise<Page[]> {
    return this.pages.find({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.after !== undefined ? { pageId: MoreThan(filter.after) } : {}),
      },
      order: { pageId: 'ASC' },
      take: filter.limit,
    });
  }

  /** Inserts a new Page, or replaces an existing Page's token and status (re-registration). */
  async saveRegistration(reg: Registration): Promise<PageChange> {
    const fields: Partial<Page> = {
      name: reg.name,
      status: reg.status,
      statusReason: reg.statusReason,
      ...tokenColumns(reg.token),
      ...(reg.subscribedFields ? { subscribedFields: reg.subscribedFields } : {}),
      ...(reg.subscribedAt ? { lastSubscriptionCheckAt: reg.subscribedAt } : {}),
      ...(reg.bot !== undefined ? { bot: reg.bot } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (em) => {
          const existing = await this.lock(em, reg.pageId);
          if (existing) {
            const previous = existing.status;
            return { page: await this.write(em, existing, fields), previous };
          }
          const page = em.create(Page, {
            pageId: reg.pageId,
            bot: null,
            scopes: [],
            subscribedFields: [],
            ...fields,
          });
          await em.insert(Page, page);
          return { page, previous: null };
        });
      } catch (error) {
        // Two registrations of a new Page raced; the second one becomes a re-registration.
        const unique =
          error instanceof QueryFailedError && (error as { code?: string }).code === UNIQUE_VIOLATION;
        if (attempt === 0 && unique) continue;
        throw error;
      }
    }
  }

  /**
   * Moves a Page to `to` if its status is one of `from` (all statuses when omitted). Null when the Page
   * does not exist; `previous === page.status` when nothing changed.
   */
  async transition(
    pageId: string,
    to: PageStatus,
    reason: string | null,
    from?: PageStatus[],
  ): Promise<PageChange | null> {
    return this.dataSource.transaction(async (em) => {
      const page = await this.lock(em, pageId);
      if (!page) return null;
      const previous = page.status;
      if (from && !from.includes(previous)) return { page, previous };
      return { page: await this.write(em, page, { status: to, statusReason: reason }), previous };
    });
  }

  async applyPatch(pageId: string, patch: PagePatch): Promise<PageChange | null> {
    return this.dataSource.transaction(async (em) => {
      const page = await this.lock(em, pageId);
      if (!page) return null;
      const previous = page.status;
      const fields: Partial<Page> = {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.bot !== undefined ? { bot: patch.bot } : {}),
        ...(patch.status !== undefined
          ? { status: patch.status, statusReason: patch.statusReason ?? null }
          : {}),
        ...(patch.token ? tokenColumns(patch.token) : {}),
      };
      return { page: await this.write(em, page, fields), previous };
    });
  }

  /** Status `removed`, token erased; the fingerprint stays for audit. */
  async markRemoved(pageId: string, reason: string): Promise<PageChange | null> {
    return this.dataSource.transaction(async (em) => {
      const page = await this.lock(em, pageId);
      if (!page) return null;
      const erased = { tokenCiphertext: null, tokenIv: null, tokenAuthTag: null, tokenKeyId: null };
      const fields: Partial<Page> = { status: 'removed', statusReason: reason, ...erased };
      const previous = page.status;
      return { page: await this.write(em, page, fields), previous };
    });
  }

  async recordSubscription(pageId: string, fields: string[], at: Date): Promise<void> {
    await this.pages.update({ pageId }, { subscribedFields: fields, lastSubscriptionCheckAt: at });
  }

  async recordHealth(
    pageId: string,
    report: PageHealthReport,
    facts: { scopes?: string[]; expiresAt?: Date | null; checkedSubscription: boolean },
  ): Promise<void> {
    const at = new Date(report.checkedAt);
    await this.pages.update(
      { pageId },
      {
        health: report,
        lastHealthCheckAt: at,
        ...(facts.scopes ? { scopes: facts.scopes } : {}),
        ...(facts.expiresAt !== undefined ? { tokenExpiresAt: facts.expiresAt } : {}),
        ...(facts.checkedSubscription ? { lastSubscriptionCheckAt: at } : {}),
      },
    );
  }

  /** Cheap, and never moves the time backwards; does not count as a change of the Page (updated_at). */
  async touchLastEvent(pageId: string, at: Date): Promise<void> {
    await this.pages.query(
      `UPDATE pages SET last_event_at = $2 WHERE page_id = $1 AND (last_event_at IS NULL OR last_event_at < $2)`,
      [pageId, at],
    );
  }

  /** Pages the health job looks after, in page id order. */
  async findIdsToCheck(after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.pages.find({
      select: { pageId: true },
      where: {
        status: In(['active', 'unsubscribed']),
        ...(after !== undefined ? { pageId: MoreThan(after) } : {}),
      },
      order: { pageId: 'ASC' },
      take: limit,
    });
    return rows.map((r) => r.pageId);
  }

  /** Stored tokens sealed under another key than `keyId`, in page id order. */
  async findSealedNotUnder(
    keyId: string,
    after: string | undefined,
    limit: number,
  ): Promise<Array<{ pageId: string; sealed: SealedToken }>> {
    const query = this.pages
      .createQueryBuilder('p')
      .select(['p.pageId', 'p.tokenCiphertext', 'p.tokenIv', 'p.tokenAuthTag', 'p.tokenKeyId'])
      .where('p.token_ciphertext IS NOT NULL')
      .andWhere('p.token_key_id <> :keyId', { keyId })
      .orderBy('p.page_id', 'ASC')
      .limit(limit);
    if (after !== undefined) query.andWhere('p.page_id > :after', { after });
    const rows = await query.getMany();
    return rows.map((p) => ({ pageId: p.pageId, sealed: sealedOf(p)! }));
  }

  /**
   * Optimistic swap: only replaces the ciphertext the caller read. False when the token changed in the
   * meantime (re-registered, removed): the newer token wins.
   */
  async swapSealedToken(pageId: string, old: SealedToken, next: SealedToken): Promise<boolean> {
    const result = await this.pages
      .createQueryBuilder()
      .update(Page)
      .set({
        tokenCiphertext: next.ciphertext,
        tokenIv: next.iv,
        tokenAuthTag: next.authTag,
        tokenKeyId: next.keyId,
      })
      .where('page_id = :pageId AND token_key_id = :oldKey AND token_ciphertext = :oldCipher', {
        pageId,
        oldKey: old.keyId,
        oldCipher: old.ciphertext,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  private lock(em: EntityManager, pageId: string): Promise<Page | null> {
    return em.findOne(Page, { where: { pageId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Updates the locked row and answers with the Page as it now is. */
  private async write(em: EntityManager, page: Page, fields: Partial<Page>): Promise<Page> {
    const changed = { ...fields, updatedAt: new Date() };
    await em.update(Page, { pageId: page.pageId }, changed);
    return Object.assign(page, changed);
  }
}

function tokenColumns(token: TokenRecord): Partial<Page> {
  return {
    tokenCiphertext: token.sealed.ciphertext,
    tokenIv: token.sealed.iv,
    tokenAuthTag: token.sealed.authTag,
    tokenKeyId: token.sealed.keyId,
    tokenFingerprint: token.fingerprint,
    tokenExpiresAt: token.expiresAt,
    scopes: token.scopes,
  };
}

/** The stored ciphertext of a Page, or null when it has none (removed). */
export function sealedOf(page: Page): SealedToken | null {
  if (!page.tokenCiphertext || !page.tokenIv || !page.tokenAuthTag || !page.tokenKeyId) return null;
  return {
    ciphertext: page.tokenCiphertext,
    iv: page.tokenIv,
    authTag: page.tokenAuthTag,
    keyId: page.tokenKeyId,
  };
}
