import type { TestApp } from '../support/test-app';

export const ADMIN_KEY = 'e2e-pages-admin-key-0123456789-abcdefghij';

/**
 * Pages specs get a database of their own: the health job walks every active Page, so Pages other
 * suites registered against their own fake Graph API must not be in it (nor ours in theirs).
 */
export { createSpecDatabase as createOwnDatabase } from '../support/spec-database';

/** Environment for an app on the spec's own database and queue prefix (migrated at boot). */
export function ownAppEnv(databaseUrl: string, suffix: string): Record<string, string> {
  return {
    ADMIN_API_KEY: ADMIN_KEY,
    DATABASE_URL: databaseUrl,
    DATABASE_AUTO_MIGRATE: 'true',
    // Under the run's prefix, so the global teardown removes it; apart from other suites' workers.
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${suffix}`,
  };
}

/** Parsed JSON, as loosely typed as JSON.parse gives it (tests assert on its shape). */
export type Json = ReturnType<typeof JSON.parse>;

export interface Answer {
  status: number;
  body: Json;
}

/** Admin calls that remember every response body, for the "no token anywhere" assertion. */
export class AdminClient {
  readonly bodies: string[] = [];

  constructor(private readonly app: () => TestApp) {}

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<Answer> {
    const res = await this.app().app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    this.bodies.push(res.body);
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  }
}

export const keyText = (fill: string): string => Buffer.alloc(32, fill).toString('base64');
