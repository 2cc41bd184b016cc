/**
 * The baseline: a bare Fastify route doing what any webhook receiver must (check
 * X-Hub-Signature-256 over the raw bytes, parse the JSON) and nothing more: no storage, no queue,
 * no logging. The platform's POST /webhook is measured against it in the same run.
 * Env: PORT, FB_APP_SECRET.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

async function main(): Promise<void> {
  const secret = process.env.FB_APP_SECRET ?? '';
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.post('/webhook', async (request, reply) => {
    const raw = request.body as Buffer;
    const header = request.headers['x-hub-signature-256'];
    const match = typeof header === 'string' ? SIGNATURE.exec(header) : null;
    const expected = createHmac('sha256', secret).update(raw).digest();
    if (!match || !timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) {
      return reply.code(401).send({ error: 'bad signature' });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: 'bad JSON' });
    }
    if (typeof body !== 'object' || body === null || (body as { object?: unknown }).object !== 'page') {
      return reply.code(400).send({ error: 'not a page webhook' });
    }
    return reply.type('text/plain').send('EVENT_RECEIVED');
  });
  app.get('/health/ready', (_request, reply) => reply.send({ status: 'ok' }));

  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
