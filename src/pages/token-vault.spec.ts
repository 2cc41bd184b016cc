import { createHash } from 'node:crypto';
import { loadPagesConfig } from '../config/pages.config';
import { loadSecurityConfig, type SecurityConfig } from '../config/security.config';
import { TokenVault, TokenVaultError } from './token-vault';

const keyText = (fill: string) => Buffer.alloc(32, fill).toString('base64');
const K1 = `k1:${keyText('1')}`;
const K2 = `k2:${keyText('2')}`;
const TOKEN = 'EAAGm0PX4ZCpsBAFakePageToken1234567890abcdef';

function vault(keys: string, cacheSeconds = '60'): TokenVault {
  const security: SecurityConfig = loadSecurityConfig({ TOKEN_ENCRYPTION_KEYS: keys });
  return new TokenVault(security, loadPagesConfig({ PAGES_TOKEN_CACHE_SECONDS: cacheSeconds }));
}

function failureOf(fn: () => unknown): TokenVaultError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TokenVaultError) return error;
    throw error;
  }
  throw new Error('expected a TokenVaultError');
}

describe(TokenVault.name, () => {
  it('round-trips a token under the current key, with a fresh 12-byte IV each time', () => {
    const v = vault(`${K2},${K1}`);
    const a = v.seal('111', TOKEN);
    const b = v.seal('111', TOKEN);
    expect(a.keyId).toBe('k2');
    expect(a.iv).toHaveLength(12);
    expect(a.authTag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.toString('utf8')).not.toContain(TOKEN);
    expect(vault(`${K2},${K1}`).open('111', a)).toBe(TOKEN);
  });

  it('refuses a ciphertext copied to another page (the page id is authenticated)', () => {
    const v = vault(K1);
    const sealed = v.seal('111', TOKEN);
    const error = failureOf(() => v.open('222', sealed));
    expect(error).toMatchObject({ pageId: '222', reason: 'authentication_failed', keyId: 'k1' });
    expect(error.message).toContain('page 222');
  });

  it('refuses a tampered ciphertext, IV or tag', () => {
    const v = vault(K1);
    const sealed = v.seal('111', TOKEN);
    const flip = (b: Buffer) => {
      const copy = Buffer.from(b);
      copy[0] ^= 0x01;
      return copy;
    };
    for (const bad of [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, authTag: flip(sealed.authTag) },
      { ...sealed, authTag: sealed.authTag.subarray(0, 8) },
    ]) {
      expect(failureOf(() => vault(K1).open('111', bad)).reason).toBe('authentication_failed');
    }
  });

  it('opens tokens sealed under an older key that is still configured', () => {
    const old = vault(K1).seal('111', TOKEN);
    const rotated = vault(`${K2},${K1}`);
    expect(rotated.isCurrent(old)).toBe(false);
    expect(rotated.open('111', old)).toBe(TOKEN);
  });

  it('names the page and the key when the key id is unknown', () => {
    const sealed = vault(K1).seal('111', TOKEN);
    const error = failureOf(() => vault(K2).open('111', sealed));
    expect(error.reason).toBe('unknown_key');
    expect(error.message).toBe(
      'The token of page 111 was encrypted with key "k1", which is not in TOKEN_ENCRYPTION_KEYS',
    );
    expect(error.message).not.toContain(TOKEN);
  });

  it('fingerprints a token as a short sha256 hex prefix that does not contain the token', () => {
    const fp = TokenVault.fingerprint(TOKEN);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fp).toBe(createHash('sha256').update(TOKEN).digest('hex').slice(0, 16));
    expect(TokenVault.fingerprint(`${TOKEN}x`)).not.toBe(fp);
    expect(TOKEN).not.toContain(fp);
  });

  describe('cache', () => {
    afterEach(() => jest.useRealTimers());

    it('answers repeated opens from memory, until the cache time passes', () => {
      jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
      const v = vault(K1, '60');
      const sealed = v.seal('111', TOKEN);
      expect(v.open('111', sealed)).toBe(TOKEN);
      // A corrupted row would fail to decrypt: a hit proves the answer came from the cache.
      const corrupt = { ...sealed, ciphertext: Buffer.alloc(sealed.ciphertext.length) };
      expect(v.open('111', corrupt)).toBe(TOKEN);
      jest.advanceTimersByTime(61_000);
      expect(() => v.open('111', corrupt)).toThrow(TokenVaultError);
    });

    it('misses when the token changed (new IV) or was forgotten', () => {
      const v = vault(K1);
      const first = v.seal('111', TOKEN);
      expect(v.open('111', first)).toBe(TOKEN);
      const second = vault(K1).seal('111', 'another-token');
      expect(v.open('111', second)).toBe('another-token');

      v.forget('111');
      const corrupt = { ...second, ciphertext: Buffer.alloc(second.ciphertext.length) };
      expect(() => v.open('111', corrupt)).toThrow(TokenVaultError);
    });

    it('is off with PAGES_TOKEN_CACHE_SECONDS=0', () => {
      const v = vault(K1, '0');
      const sealed = v.seal('111', TOKEN);
      expect(v.open('111', sealed)).toBe(TOKEN);
      expect(() => v.open('111', { ...sealed, ciphertext: Buffer.alloc(sealed.ciphertext.length) })).toThrow(
        TokenVaultError,
      );
    });
  });
});
