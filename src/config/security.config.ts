import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Min } from 'class-validator';
import { assertNoProblems, isProduction, secret, validateEnv, type Env } from './validate-env';

class SecurityEnv {
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  AUTH_FAILURE_LIMIT?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  AUTH_FAILURE_WINDOW_SECONDS?: number;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export const DEV_ADMIN_API_KEY = 'dev-only-admin-api-key-change-me-0000';
export const DEV_SITE_API_KEY = 'dev-only-site-api-key-change-me-00000';
// 32 zero-ish bytes, clearly not a production key.
const DEV_TOKEN_KEY = Buffer.alloc(32, 'd');
export const DEV_TOKEN_ENCRYPTION_KEYS = `dev:${DEV_TOKEN_KEY.toString('base64')}`;

/** `keyId:base64key[,keyId:base64key...]`; the first key encrypts, all of them decrypt. */
export function parseEncryptionKeys(text: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const sep = part.indexOf(':');
    const id = sep > 0 ? part.slice(0, sep) : '';
    const material = sep > 0 ? part.slice(sep + 1) : '';
    const key = Buffer.from(material, 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push('TOKEN_ENCRYPTION_KEYS: each entry must be keyId:base64key with a key id of letters/digits');
    } else if (material === '' || key.toString('base64') !== material) {
      // Buffer.from skips characters it does not know, so a typo or a truncated paste would still
      // decode to some key: only text that is exactly the standard encoding of its bytes is a key.
      problems.push(
        `TOKEN_ENCRYPTION_KEYS: key "${id}" must be standard base64 of 32 bytes (44 characters ending in "=", as printed by openssl rand -base64 32)`,
      );
    } else if (key.length !== 32) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: key "${id}" must decode to exactly 32 bytes (got ${key.length})`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: key id "${id}" appears twice`);
    } else {
      keys.push({ id, key });
    }
  }
  if (keys.length === 0 && problems.length === 0) problems.push('TOKEN_ENCRYPTION_KEYS: needs at least one key');
  return keys;
}

export function loadSecurityConfig(env: Env = process.env) {
  const v = validateEnv(SecurityEnv, env);
  const problems: string[] = [];
  const adminApiKey = secret(env, 'ADMIN_API_KEY', DEV_ADMIN_API_KEY, problems, 32);
  const siteApiKey = secret(env, 'SITE_API_KEY', DEV_SITE_API_KEY, problems, 32);
  const keysText = secret(env, 'TOKEN_ENCRYPTION_KEYS', DEV_TOKEN_ENCRYPTION_KEYS, problems);
  const encryptionKeys = keysText ? parseEncryptionKeys(keysText, problems) : [];
  // secret() refuses the development value as written; under another key id it is the same key.
  if (isProduction(env) && keysText !== DEV_TOKEN_ENCRYPTION_KEYS) {
    for (const { id } of encryptionKeys.filter((k) => k.key.equals(DEV_TOKEN_KEY))) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: key "${id}" is the development key; generate one with openssl rand -base64 32`);
    }
  }
  assertNoProblems(problems);
  return {
    adminApiKey,
    siteApiKey,
    encryptionKeys,
    authFailureLimit: v.AUTH_FAILURE_LIMIT ?? 10,
    authFailureWindowSeconds: v.AUTH_FAILURE_WINDOW_SECONDS ?? 300,
  };
}

export type SecurityConfig = ReturnType<typeof loadSecurityConfig>;
export const securityConfig = registerAs('security', () => loadSecurityConfig());
