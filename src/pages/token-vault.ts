import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { pagesConfig, type PagesConfig } from '../config/pages.config';
import { securityConfig, type EncryptionKey, type SecurityConfig } from '../config/security.config';

/** A Page token as stored: never the token itself. */
export interface SealedToken {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  keyId: string;
}

export type TokenVaultFailure = 'unknown_key' | 'authentication_failed';

/** A token that cannot be opened. Names the Page and the reason, never any part of the token. */
export class TokenVaultError extends Error {
  constructor(
    readonly pageId: string,
    readonly reason: TokenVaultFailure,
    readonly keyId: string,
  ) {
    super(
      reason === 'unknown_key'
        ? `The token of page ${pageId} was encrypted with key "${keyId}", which is not in TOKEN_ENCRYPTION_KEYS`
        : `The token of page ${pageId} failed authentication under key "${keyId}" (tampered, or copied from another page)`,
    );
    this.name = 'TokenVaultError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// The cache only saves a decryption; it is bounded so 10,000 Pages cannot grow it without limit.
const MAX_CACHED = 10_000;

interface CachedToken {
  keyId: string;
  iv: string;
  token: string;
  expiresAt: number;
}

/**
 * Encrypts Page tokens at rest: AES-256-GCM, a fresh IV per encryption, the Page id as additional
 * authenticated data (a ciphertext copied to another Page's row fails to open), and the key id stored
 * beside it so keys can rotate. The first configured key encrypts; every configured key decrypts.
 */
@Injectable()
export class TokenVault {
  private readonly keys: Map<string, Buffer>;
  private readonly current: EncryptionKey;
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    @Inject(securityConfig.KEY) security: SecurityConfig,
    @Inject(pagesConfig.KEY) private readonly pages: PagesConfig,
  ) {
    this.current = security.encryptionKeys[0];
    this.keys = new Map(security.encryptionKeys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** A short, irreversible identifier of a token, for display and audit. */
  static fingerprint(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
  }

  seal(pageId: string, token: string): SealedToken {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(pageId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    this.forget(pageId);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyId: this.current.id };
  }

  /** Decrypts (or answers from the short cache). Throws TokenVaultError; never returns garbage. */
  open(pageId: string, sealed: SealedToken): string {
    const iv = sealed.iv.toString('hex');
    const hit = this.cache.get(pageId);
    if (hit && hit.keyId === sealed.keyId && hit.iv === iv && hit.expiresAt > Date.now()) return hit.token;

    const token = this.decrypt(pageId, sealed);
    if (this.pages.tokenCacheMs > 0) {
      this.cache.delete(pageId);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(pageId, {
        keyId: sealed.keyId,
        iv,
        token,
        expiresAt: Date.now() + this.pages.tokenCacheMs,
      });
    }
    return token;
  }

  isCurrent(sealed: Pick<SealedToken, 'keyId'>): boolean {
    return sealed.keyId === this.current.id;
  }

  /** Drops a Page's cached token (its token changed or was erased). */
  forget(pageId: string): void {
    this.cache.delete(pageId);
  }

  private decrypt(pageId: string, sealed: SealedToken): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new TokenVaultError(pageId, 'unknown_key', sealed.keyId);
    if (sealed.iv.length !== IV_BYTES || sealed.authTag.length !== TAG_BYTES) {
      throw new TokenVaultError(pageId, 'authentication_failed', sealed.keyId);
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(pageId, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenVaultError(pageId, 'authentication_failed', sealed.keyId);
    }
  }
}
