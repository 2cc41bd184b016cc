import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from './build';

export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The run's databases: one migrated template (`mh_bench_<run>`), cloned for each phase so phases
 * never see each other's rows (and pg_stat_database counts one phase's processes only). All of them
 * are dropped by dropAll().
 */
export class BenchDatabases {
  private readonly admin: Client;
  private readonly created: string[] = [];
  readonly template: string;

  constructor(
    private readonly baseUrl: string,
    runId: string,
  ) {
    this.template = `mh_bench_${runId}`;
    this.admin = new Client({ connectionString: databaseUrl(baseUrl, 'postgres') });
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  url(name: string): string {
    return databaseUrl(this.baseUrl, name);
  }

  /** Creates the template and applies the migrations with the compiled TypeORM data source. */
  async createTemplate(): Promise<void> {
    await this.create(this.template);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          require.resolve('typeorm/cli.js'),
          'migration:run',
          '-d',
          join('dist', 'src', 'database', 'data-source.js'),
        ],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: this.url(this.template) },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`migrations failed (exit ${code}):\n${output.slice(-2000)}`)),
      );
    });
  }

  /** A fresh copy of the migrated template for one phase; returns its URL. */
  async clone(phase: string): Promise<{ name: string; url: string }> {
    const name = `${this.template}_${phase}`;
    await this.create(name, this.template);
    return { name, url: this.url(name) };
  }

  /** Committed + rolled back transactions of a database so far (pg_stat_database). */
  async transactions(name: string): Promise<number> {
    const { rows } = await this.admin.query<{ n: string }>(
      'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Server processes (backends) connected to a database now. */
  async backendPids(name: string): Promise<number[]> {
    const { rows } = await this.admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    return rows.map((r) => r.pid);
  }

  async dropAll(): Promise<void> {
    // Newest first: the clones, then their template.
    for (const name of [...this.created].reverse()) {
      try {
        await this.admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } catch (error) {
        process.stderr.write(`could not drop database ${name}: ${(error as Error).message}\n`);
      }
    }
    this.created.length = 0;
    await this.admin.end().catch(() => undefined);
  }

  private async create(name: string, template?: string): Promise<void> {
    this.created.push(name);
    await this.admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  }
}

/** Runs `work` with a client on `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const SCALE_PAGE_PREFIX = '77';
/** The id of the i-th seeded Page (numeric, 15 digits, apart from the fake Graph API's ids). */
export const scalePageId = (i: number): string => `${SCALE_PAGE_PREFIX}${String(i).padStart(13, '0')}`;

export interface SealedPageToken {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  keyId: string;
  fingerprint: string;
}

/**
 * Inserts `count` active Pages the way the pages module stores them (token sealed by `seal`), in
 * batches of one statement each. Returns their ids.
 */
export async function insertPages(
  url: string,
  count: number,
  subscribedFields: string[],
  seal: (pageId: string, token: string) => SealedPageToken,
): Promise<string[]> {
  const ids: string[] = [];
  await withClient(url, async (client) => {
    for (let start = 0; start < count; start += 1_000) {
      const batch = Array.from(
        { length: Math.min(1_000, count - start) },
        (_, i) => `77${String(start + i).padStart(13, '0')}`,
      );
      const sealed = batch.map((id) => seal(id, `EAAP${randomBytes(30).toString('base64url')}`));
      const hex = (pick: (s: SealedPageToken) => Buffer) => sealed.map((s) => pick(s).toString('hex'));
      await client.query(
        `INSERT INTO pages (page_id, name, status, token_ciphertext, token_iv, token_auth_tag, token_key_id,
                            token_fingerprint, scopes, subscribed_fields, last_subscription_check_at)
         SELECT p.id, 'Bench Page ' || p.id, 'active', decode(p.ct, 'hex'), decode(p.iv, 'hex'), decode(p.tag, 'hex'),
                p.key_id, p.fp, ARRAY['pages_messaging', 'pages_manage_metadata'], $7::text[], now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS p(id, ct, iv, tag, key_id, fp)`,
        [
          batch,
          hex((s) => s.ciphertext),
          hex((s) => s.iv),
          hex((s) => s.authTag),
          sealed.map((s) => s.keyId),
          sealed.map((s) => s.fingerprint),
          subscribedFields,
        ],
      );
      ids.push(...batch);
    }
  });
  return ids;
}

/**
 * `rows` handled (status done) message events of the last day, spread over the Pages of insertPages
 * (`pageCount` of them) and 50,000 conversations, then VACUUM ANALYZE so autovacuum does not start
 * during the measure.
 */
export async function insertHandledEvents(url: string, rows: number, pageCount: number): Promise<void> {
  await withClient(url, async (client) => {
    // The Page id is computed as scalePageId() does: indexing an array of 10,000 ids per row is 5x slower.
    await client.query(
      `INSERT INTO inbound_events (dedup_key, page_id, psid, conversation_key, source, event_type, fb_timestamp,
                                   payload, status, attempts, received_at, handled_at)
       SELECT 'bench-old-' || g, v.page_id, v.psid, v.psid, 'messaging', 'message', v.at,
              jsonb_build_object(
                'sender', jsonb_build_object('id', v.psid),
                'recipient', jsonb_build_object('id', v.page_id),
                'timestamp', (extract(epoch FROM v.at) * 1000)::bigint,
                'message', jsonb_build_object('mid', 'm_bench_old_' || g, 'text', 'an older message, handled')),
              'done', 1, v.at, v.at
       FROM generate_series(1, $1::int) AS g,
            LATERAL (SELECT '${SCALE_PAGE_PREFIX}' || lpad((g % $2::int)::text, 13, '0') AS page_id,
                            (3000000000000 + g % 50000)::text AS psid,
                            now() - make_interval(secs => g % 86400) AS at) AS v`,
      [rows, pageCount],
    );
    await client.query('VACUUM (ANALYZE) inbound_events');
    await client.query('VACUUM (ANALYZE) pages');
  });
}
