import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configsFor } from '../config/all-configs';
import { ConfigValidationError } from '../config/validate-env';
import { DatabaseModule } from '../database/database.module';
import { redactText } from '../logging/redact';
import { RedactingConsoleLogger } from '../logging/redacting-console-logger';
import { Page } from './page.entity';
import { PagesRepository } from './pages.repository';
import { TokenReencryptionService } from './token-reencryption.service';
import { TokenVault } from './token-vault';

/** Only what re-encryption needs: no HTTP, no queues, no Graph API. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: configsFor() }),
    DatabaseModule,
    TypeOrmModule.forFeature([Page]),
  ],
  providers: [TokenVault, PagesRepository, TokenReencryptionService],
})
class ReencryptTokensModule {}

/**
 * `npm run tokens:reencrypt [-- --batch=N]`: rewrites every Page token under the first key of
 * TOKEN_ENCRYPTION_KEYS. Safe while the platform serves (each row is swapped only if unchanged).
 * Exit 0: every token is under the current key; 1: some could not be decrypted (listed); 2: crashed.
 */
async function main(): Promise<number> {
  const batchArg = process.argv.find((a) => a.startsWith('--batch='));
  const batchSize = batchArg ? Number(batchArg.slice('--batch='.length)) : 100;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error('--batch must be a positive whole number');

  const context = await NestFactory.createApplicationContext(ReencryptTokensModule, {
    // A connection error may quote DATABASE_URL.
    logger: new RedactingConsoleLogger({ logLevels: ['error', 'warn'] }),
  });
  try {
    const summary = await context.get(TokenReencryptionService).reencryptAll(batchSize);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    await context.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigValidationError ? error.message : redactText((error as Error)?.stack ?? String(error));
    process.stderr.write(`tokens:reencrypt failed: ${message}\n`);
    process.exit(2);
  },
);
