import { Injectable } from '@nestjs/common';
import { InvalidRequestError } from '../common/errors/domain-error';
import { GraphApiClient } from '../graph/graph-api.client';
import { PageLifecycleService } from './page-lifecycle.service';
import { PagesService } from './pages.service';

/** The Messenger profile fields the admin API reads and writes. */
export const MESSENGER_PROFILE_FIELDS = [
  'get_started',
  'greeting',
  'persistent_menu',
  'ice_breakers',
  'whitelisted_domains',
];

/** A Page's Messenger profile (Get Started, greeting, menu, ice breakers, domains) via /me/messenger_profile. */
@Injectable()
export class PageProfileService {
  constructor(
    private readonly graph: GraphApiClient,
    private readonly pages: PagesService,
    private readonly lifecycle: PageLifecycleService,
  ) {}

  async get(pageId: string): Promise<Record<string, unknown>> {
    const token = await this.tokenOf(pageId);
    return this.lifecycle.withStoredToken(
      pageId,
      () => this.graph.getMessengerProfile(token, MESSENGER_PROFILE_FIELDS),
      'graph_rejected',
    );
  }

  /** Sets the given fields (others stay as they are) and answers with the profile as Facebook now has it. */
  async set(pageId: string, profile: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fields = Object.keys(profile).filter((k) => profile[k] !== undefined);
    if (fields.length === 0) {
      throw new InvalidRequestError(
        `Give at least one of ${MESSENGER_PROFILE_FIELDS.join(', ')}`,
        'empty_profile',
      );
    }
    const token = await this.tokenOf(pageId);
    await this.lifecycle.withStoredToken(
      pageId,
      () => this.graph.setMessengerProfile(token, profile),
      'graph_rejected',
    );
    return this.lifecycle.withStoredToken(
      pageId,
      () => this.graph.getMessengerProfile(token, MESSENGER_PROFILE_FIELDS),
      'graph_rejected',
    );
  }

  private async tokenOf(pageId: string): Promise<string> {
    const page = this.lifecycle.assertNotRemoved(await this.pages.load(pageId));
    return this.pages.openToken(page);
  }
}
