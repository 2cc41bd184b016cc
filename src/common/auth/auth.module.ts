import { Module } from '@nestjs/common';
import { AlertsModule } from '../../alerts/alerts.module';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { RedisModule } from '../../redis/redis.module';

/** API key checks for the route auth hook (see route-auth.hook.ts), which app.factory.ts installs. */
@Module({
  imports: [RedisModule, AlertsModule],
  providers: [ApiKeyAuthenticator],
  exports: [ApiKeyAuthenticator],
})
export class AuthModule {}
