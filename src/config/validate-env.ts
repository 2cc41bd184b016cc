import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { redactText } from '../logging/redact';

/**
 * Thrown at boot when the environment is unusable; main.ts prints it and exits 1. A problem that
 * quotes a value never carries a URL's password or a token: the text is redacted here, once.
 */
export class ConfigValidationError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    const redacted = problems.map(redactText);
    super(`Invalid configuration:\n${redacted.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
    this.problems = redacted;
  }
}

export type Env = Record<string, string | undefined>;

export const isProduction = (env: Env = process.env): boolean => env.NODE_ENV === 'production';

/**
 * Validates the variables one config area reads. Empty strings count as unset, so `FOO=` in an env
 * file falls back to the default instead of failing a format check.
 */
export function validateEnv<T extends object>(cls: ClassConstructor<T>, env: Env = process.env): T {
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: true });
  // Implicit conversion turns any non-empty string, "false" included, into `true`: read booleans
  // by hand, and leave anything else as text so @IsBoolean rejects it by name.
  for (const [key, value] of Object.entries(plain)) {
    if (Reflect.getMetadata('design:type', cls.prototype as object, key) !== Boolean) continue;
    const lowered = value.trim().toLowerCase();
    (instance as Record<string, unknown>)[key] = lowered === 'true' ? true : lowered === 'false' ? false : value;
  }
  const errors = validateSync(instance, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigValidationError(errors.map(describe));
  return instance;
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}: ${reasons}`;
}

/**
 * A secret with a development default. In production the variable is required, must not be the
 * development value, and must be at least `minLength` characters.
 */
export function secret(
  env: Env,
  name: string,
  devDefault: string,
  problems: string[],
  minLength = 1,
): string {
  const value = env[name] === '' ? undefined : env[name];
  if (!isProduction(env)) return value ?? devDefault;
  if (value === undefined) {
    problems.push(`${name}: required when NODE_ENV=production`);
  } else if (value === devDefault || value.startsWith('dev-only-')) {
    problems.push(`${name}: is a development default; set a real secret in production`);
  } else if (value.length < minLength) {
    problems.push(`${name}: must be at least ${minLength} characters in production`);
  }
  return value ?? '';
}

/** True when WHATWG `URL` (what the Redis and Postgres clients use) accepts `text`. */
export function parsesAsUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** localhost, 127.0.0.0/8 and ::1: plain HTTP to them never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * In production, `value` (an http(s) URL already format-checked) must be https, or http to a
 * loopback host (a local fake Graph API, a sidecar). The value itself is not echoed: it may be secret.
 */
export function requireHttpsInProduction(env: Env, name: string, value: string | undefined, problems: string[]): void {
  if (!isProduction(env) || value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name}: must be an https:// URL`);
    return;
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  problems.push(
    `${name}: must be an https:// URL when NODE_ENV=production (plain http only to localhost, 127.0.0.0/8 or ::1)`,
  );
}

export function assertNoProblems(problems: string[]): void {
  if (problems.length > 0) throw new ConfigValidationError(problems);
}
