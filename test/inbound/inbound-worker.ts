/**
 * A worker process for the crash e2e spec: boots the real app (role from APP_ROLE) with the recorder
 * bot and prints READY. Run with `node -r ts-node/register/transpile-only test/inbound/inbound-worker.ts`.
 */
import 'reflect-metadata';
import { createApp } from '../../src/app.factory';
import { RecorderBotModule } from './inbound-support';

async function main(): Promise<void> {
  const app = await createApp({ imports: [RecorderBotModule.forInstance(process.env.RECORDER_INSTANCE ?? 'child')] });
  await app.init();
  process.stdout.write('READY\n');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`inbound worker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
