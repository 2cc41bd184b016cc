import 'reflect-metadata';
import { createApp } from './app.factory';
import { loadAppConfig } from './config/app.config';
import { ALL_CONFIG_LOADERS } from './config/all-configs';
import { ConfigValidationError } from './config/validate-env';

/** Validates every config area up front so one run names every bad variable, then exits 1. */
function checkConfiguration(): void {
  const problems: string[] = [];
  for (const load of ALL_CONFIG_LOADERS) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`${new ConfigValidationError(problems).message}\nSee .env.example for every variable.\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  checkConfiguration();
  const config = loadAppConfig();
  const app = await createApp();
  // A stuck shutdown (a job that never ends) must not keep the old process around for ever.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref());
  }
  await app.listen({ port: config.port, host: '0.0.0.0' });
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`messenger-hub failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
