import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Min } from 'class-validator';
import { assertNoProblems, validateEnv, type Env } from './validate-env';

class HttpEnv {
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  AUTH_FAILURE_ALERT_THRESHOLD?: number;
}

/**
 * What Fastify's `trustProxy` takes: false (the socket's address is the client), a hop count, or
 * the addresses/CIDRs of the proxies whose `X-Forwarded-For` is believed.
 */
export type TrustProxy = false | number | string[];

function isCidrOrIp(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Fastify's `trustProxy` for the parsed setting. Fastify 5.12 ignores a bare hop count (it cannot
 * check the peer), so a count becomes "trust the nearest N hops", as Express reads it: right only
 * when clients cannot reach the app except through those N proxies. CIDRs are the safer setting.
 */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/** `TRUST_PROXY`: unset or `false` (default), a hop count (`1`), or `10.0.0.0/8,192.168.1.7`. */
export function parseTrustProxy(text: string | undefined, problems: string[]): TrustProxy {
  const value = text?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return hops;
    problems.push('TRUST_PROXY: a hop count must be between 1 and 10');
    return false;
  }
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((e) => !isCidrOrIp(e));
  if (bad.length > 0 || entries.length === 0) {
    problems.push(
      `TRUST_PROXY: must be false, a hop count, or comma-separated proxy addresses/CIDRs (not ${bad.join(', ') || 'empty'})`,
    );
    return false;
  }
  return entries;
}

export function loadHttpConfig(env: Env = process.env) {
  const v = validateEnv(HttpEnv, env);
  const problems: string[] = [];
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  assertNoProblems(problems);
  return {
    trustProxy,
    /** Failed authentications (all addresses) within AUTH_FAILURE_WINDOW_SECONDS that raise `auth_failures`. */
    authFailureAlertThreshold: v.AUTH_FAILURE_ALERT_THRESHOLD ?? 100,
  };
}

export type HttpConfig = ReturnType<typeof loadHttpConfig>;
export const httpConfig = registerAs('http', () => loadHttpConfig());
