import { Injectable, Logger } from '@nestjs/common';
import { PagesRepository } from './pages.repository';
import { TokenVault, TokenVaultError } from './token-vault';

export interface ReencryptionSummary {
  currentKeyId: string;
  /** Tokens found under an older key. */
  scanned: number;
  rewritten: number;
  /** Changed by someone else between read and write (the newer token is already current). */
  skipped: number;
  failed: Array<{ pageId: string; keyId: string; message: string }>;
}

/**
 * Rewrites every stored token under the current key (after a key rotation), while the platform keeps
 * serving: each row is swapped only if it still holds the ciphertext that was read.
 */
@Injectable()
export class TokenReencryptionService {
  private readonly logger = new Logger(TokenReencryptionService.name);

  constructor(
    private readonly repository: PagesRepository,
    private readonly vault: TokenVault,
  ) {}

  async reencryptAll(batchSize = 100): Promise<ReencryptionSummary> {
    const summary: ReencryptionSummary = {
      currentKeyId: this.vault.currentKeyId,
      scanned: 0,
      rewritten: 0,
      skipped: 0,
      failed: [],
    };
    let after: string | undefined;
    for (;;) {
      const batch = await this.repository.findSealedNotUnder(this.vault.currentKeyId, after, batchSize);
      if (batch.length === 0) break;
      for (const { pageId, sealed } of batch) {
        summary.scanned++;
        let token: string;
        try {
          token = this.vault.open(pageId, sealed);
        } catch (error) {
          if (!(error instanceof TokenVaultError)) throw error;
          summary.failed.push({ pageId, keyId: sealed.keyId, message: error.message });
          this.logger.error(
            { pageId, keyId: sealed.keyId, reason: error.reason },
            'Token cannot be re-encrypted',
          );
          continue;
        }
        const swapped = await this.repository.swapSealedToken(pageId, sealed, this.vault.seal(pageId, token));
        if (swapped) summary.rewritten++;
        else summary.skipped++;
      }
      after = batch[batch.length - 1].pageId;
    }
    this.logger.log(
      {
        currentKeyId: summary.currentKeyId,
        scanned: summary.scanned,
        rewritten: summary.rewritten,
        skipped: summary.skipped,
        failed: summary.failed.length,
      },
      'Token re-encryption finished',
    );
    return summary;
  }
}
