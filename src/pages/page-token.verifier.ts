import { Inject, Injectable } from '@nestjs/common';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { REQUIRED_PAGE_SCOPES } from '../config/pages.config';
import { GraphApiClient } from '../graph/graph-api.client';
import { graphCall, PageTokenUnsuitableError } from './pages.errors';
import type { TokenRecord } from './pages.repository';
import { TokenVault } from './token-vault';

export interface VerifiedPageToken {
  pageId: string;
  name: string;
  /** Sealed for `pageId`, ready to store. */
  record: TokenRecord;
}

/**
 * Asks Facebook who a token belongs to and what it is, before anything is stored: it must be a valid
 * PAGE token of this app, for the expected Page, with every required scope.
 */
@Injectable()
export class PageTokenVerifier {
  constructor(
    private readonly graph: GraphApiClient,
    private readonly vault: TokenVault,
    @Inject(messengerConfig.KEY) private readonly messenger: MessengerConfig,
  ) {}

  async verify(accessToken: string, expectedPageId?: string): Promise<VerifiedPageToken> {
    // Both questions at once; Facebook's answer about the token itself (/me) decides which error wins.
    const [meCall, infoCall] = await Promise.allSettled([
      graphCall(() => this.graph.getMe(accessToken)),
      graphCall(() => this.graph.debugToken(accessToken)),
    ]);
    if (meCall.status === 'rejected') throw meCall.reason;
    if (infoCall.status === 'rejected') throw infoCall.reason;
    const [me, info] = [meCall.value, infoCall.value];
    if (expectedPageId !== undefined && expectedPageId !== me.id) {
      throw new PageTokenUnsuitableError(
        'page_id_mismatch',
        `The token belongs to page ${me.id}, not ${expectedPageId}`,
        {
          tokenPageId: me.id,
        },
      );
    }
    if (!info.isValid) {
      throw new PageTokenUnsuitableError(
        'token_invalid',
        `Facebook says the token is not valid${info.errorMessage ? `: ${info.errorMessage}` : ''}`,
      );
    }
    if (info.type !== 'PAGE') {
      throw new PageTokenUnsuitableError(
        'not_a_page_token',
        `A Page access token is required, got a ${info.type ?? 'unknown'} token`,
        {
          tokenType: info.type ?? null,
        },
      );
    }
    if (info.appId !== this.messenger.appId) {
      throw new PageTokenUnsuitableError(
        'token_of_another_app',
        `The token was issued to app ${info.appId ?? 'unknown'}, not this app`,
        {
          tokenAppId: info.appId ?? null,
        },
      );
    }
    if (info.profileId !== undefined && info.profileId !== me.id) {
      throw new PageTokenUnsuitableError(
        'token_page_mismatch',
        `Facebook reports the token for page ${info.profileId}, /me says ${me.id}`,
      );
    }
    const missingScopes = REQUIRED_PAGE_SCOPES.filter((s) => !info.scopes.includes(s));
    if (missingScopes.length > 0) {
      throw new PageTokenUnsuitableError(
        'missing_permission',
        `The token lacks ${missingScopes.join(', ')}`,
        { missingScopes },
      );
    }
    return {
      pageId: me.id,
      name: me.name ?? me.id,
      record: {
        sealed: this.vault.seal(me.id, accessToken),
        fingerprint: TokenVault.fingerprint(accessToken),
        expiresAt: info.expiresAt,
        scopes: [...info.scopes].sort(),
      },
    };
  }
}
