import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { PageTokenUnavailableError } from '../../src/pages/pages.errors';
import { PagesRepository } from '../../src/pages/pages.repository';
import { PagesService } from '../../src/pages/pages.service';
import { TokenVault } from '../../src/pages/token-vault';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { fakeGraphEnv } from '../support/fake-graph';
import { startTestApp, type TestApp } from '../support/test-app';
import { AdminClient, createOwnDatabase, keyText, ownAppEnv } from './pages-support';

const run = promisify(execFile);
const K1 = `k1:${keyText('1')}`;
const K2 = `k2:${keyText('2')}`;
const K3 = `k3:${keyText('3')}`;
const K4 = `k4:${keyText('4')}`;
const FAKE_TOKEN = /EAA[PU][A-Za-z0-9_-]{20,}/;

// Several app restarts and a CLI run (ts-node start-up) in one test.
jest.setTimeout(90_000);

describe('Page token keys: rotation, re-encryption, tampering (e2e)', () => {
  let graph: FakeGraph;
  let db: Awaited<ReturnType<typeof createOwnDatabase>>;
  let t: TestApp | undefined;
  const admin = new AdminClient(() => t!);
  const output: string[] = [];

  beforeAll(async () => {
    graph = await FakeGraph.start();
    db = await createOwnDatabase('pages_keys');
  });
  afterAll(async () => {
    await t?.close();
    await graph?.stop();
    await db?.drop();
  });

  /** (Re)starts the app with these keys, first = current. */
  async function restartWith(keys: string): Promise<TestApp> {
    if (t) {
      output.push(...t.logs);
      await t.close();
    }
    t = await startTestApp({
      ...ownAppEnv(db.url, 'pages_keys'),
      ...fakeGraphEnv(graph),
      TOKEN_ENCRYPTION_KEYS: keys,
      PAGES_HEALTH_CHECK_MINUTES: '100000',
      PAGES_REENCRYPT_HOURS: '100000',
    });
    return t;
  }

  async function keyIds(): Promise<Record<string, string | null>> {
    const { rows } = await db.sql.query<{ page_id: string; token_key_id: string | null }>(
      'SELECT page_id, token_key_id FROM pages ORDER BY page_id',
    );
    return Object.fromEntries(rows.map((r) => [r.page_id, r.token_key_id]));
  }

  async function runJob(
    name: JobName.CheckPages | JobName.ReencryptTokens,
  ): Promise<Record<string, unknown>> {
    const job = await t!.app.get<Queue>(getQueueToken(QueueName.Maintenance)).add(name, {});
    return (await job.finished()) as Record<string, unknown>;
  }

  async function reencryptCli(keys: string): Promise<{ code: number; summary: Record<string, unknown> }> {
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      TOKEN_ENCRYPTION_KEYS: keys,
      DATABASE_AUTO_MIGRATE: 'false',
    };
    const script = join(__dirname, '..', '..', 'scripts', 'run-ts-or-js.js');
    const result = await run(process.execPath, [script, 'src/pages/reencrypt-tokens.cli'], { env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    output.push(result.stdout, result.stderr);
    return { code: result.code, summary: JSON.parse(result.stdout) as Record<string, unknown> };
  }

  it('keeps old tokens readable after a rotation, re-encrypts them (job, then CLI), and drops the old key', async () => {
    const [a, b, c] = [graph.addPage(), graph.addPage(), graph.addPage()];
    await restartWith(K1);
    for (const p of [a, b, c])
      expect((await admin.call('POST', '/admin/pages', { accessToken: p.token })).status).toBe(201);
    expect(Object.values(await keyIds())).toEqual(['k1', 'k1', 'k1']);

    // Rotation: k2 is current, k1 still decrypts.
    await restartWith(`${K2},${K1}`);
    for (const p of [a, b, c])
      expect((await t!.app.get(PagesService).getCredentials(p.id)).accessToken).toBe(p.token);
    expect((await admin.call('GET', `/admin/pages/${a.id}/health`)).body.healthy).toBe(true);

    // A re-registration between the re-encryption's read and write wins (optimistic swap).
    const repository = t!.app.get(PagesRepository);
    const [stale] = (await repository.findSealedNotUnder('k2', undefined, 10)).filter(
      (s) => s.pageId === c.id,
    );
    graph.revokePageToken(c.id);
    const cToken = graph.pageToken(c.id);
    expect((await admin.call('POST', '/admin/pages', { accessToken: cToken })).status).toBe(200);
    const vault = t!.app.get(TokenVault);
    await expect(repository.swapSealedToken(c.id, stale.sealed, vault.seal(c.id, c.token))).resolves.toBe(
      false,
    );
    expect((await t!.app.get(PagesService).getCredentials(c.id)).accessToken).toBe(cToken);

    const job = await runJob(JobName.ReencryptTokens);
    expect(job).toMatchObject({ currentKeyId: 'k2', rewritten: 2, failed: 0 });
    expect(Object.values(await keyIds())).toEqual(['k2', 'k2', 'k2']);

    // Next rotation through the CLI, with no app running.
    await t!.close();
    t = undefined;
    const cli = await reencryptCli(`${K3},${K2}`);
    expect(cli).toEqual({
      code: 0,
      summary: { currentKeyId: 'k3', scanned: 3, rewritten: 3, skipped: 0, failed: [] },
    });
    expect(Object.values(await keyIds())).toEqual(['k3', 'k3', 'k3']);

    // The old keys can go.
    await restartWith(K3);
    for (const [p, token] of [
      [a, a.token],
      [b, b.token],
      [c, cToken],
    ] as const) {
      expect((await t!.app.get(PagesService).getCredentials(p.id)).accessToken).toBe(token);
    }
  });

  it('names the Page when its key is unknown, and keeps serving the others', async () => {
    const pageIds = Object.keys(await keyIds());
    await restartWith(K4);
    const error = await t!.app
      .get(PagesService)
      .getCredentials(pageIds[0])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageTokenUnavailableError);
    expect((error as Error).message).toBe(
      `The token of page ${pageIds[0]} was encrypted with key "k3", which is not in TOKEN_ENCRYPTION_KEYS`,
    );
    const health = await admin.call('GET', `/admin/pages/${pageIds[0]}/health`);
    expect(health).toMatchObject({
      status: 409,
      body: { code: 'page_token_unavailable', reason: 'undecryptable' },
    });
    expect(health.body.message).toContain(pageIds[0]);
    expect((await admin.call('GET', '/admin/pages')).status).toBe(200);

    const cli = await reencryptCli(K4);
    expect(cli.code).toBe(1);
    expect(cli.summary.failed).toEqual(
      pageIds.map((pageId) => ({ pageId, keyId: 'k3', message: expect.stringContaining(`page ${pageId}`) })),
    );
  });

  it('refuses a ciphertext copied to another Page row, for that Page only, and the process keeps working', async () => {
    await restartWith(K3);
    const [a, b] = [graph.addPage(), graph.addPage()];
    for (const p of [a, b]) await admin.call('POST', '/admin/pages', { accessToken: p.token });
    const pages = t!.app.get(PagesService);
    expect((await pages.getCredentials(b.id)).accessToken).toBe(b.token);

    await db.sql.query(
      `UPDATE pages AS target
          SET token_ciphertext = source.token_ciphertext, token_iv = source.token_iv,
              token_auth_tag = source.token_auth_tag, token_key_id = source.token_key_id
         FROM pages AS source
        WHERE source.page_id = $1 AND target.page_id = $2`,
      [a.id, b.id],
    );

    const error = await pages.getCredentials(b.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageTokenUnavailableError);
    expect((error as Error).message).toBe(
      `The token of page ${b.id} failed authentication under key "k3" (tampered, or copied from another page)`,
    );
    expect((await pages.getCredentials(a.id)).accessToken).toBe(a.token);
    const health = await admin.call('GET', `/admin/pages/${b.id}/health`);
    expect(health).toMatchObject({ status: 409, body: { code: 'page_token_unavailable' } });

    // The health job reports it (a key problem is not Facebook's verdict: the status stays).
    await runJob(JobName.CheckPages);
    const { rows } = await db.sql.query(`SELECT status FROM pages WHERE page_id = $1`, [b.id]);
    expect(rows[0].status).toBe('active');
    const alerts = await db.sql.query(`SELECT kind, title FROM alerts WHERE page_id = $1`, [b.id]);
    expect(alerts.rows).toEqual([
      { kind: 'page_token_invalid', title: `Page ${b.id} token cannot be decrypted` },
    ]);
    expect((await admin.call('GET', '/health/live')).status).toBe(200);
  });

  it('never puts a token in a response, a log line or the CLI output', () => {
    const everything = [...admin.bodies, ...output, ...(t?.logs ?? [])];
    expect(everything.length).toBeGreaterThan(20);
    expect(everything.filter((text) => FAKE_TOKEN.test(text))).toEqual([]);
  });
});
