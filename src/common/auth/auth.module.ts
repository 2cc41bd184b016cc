import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../../alerts/alerts.module';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';

/** API key checks for the route auth hook (see route-auth.hook.ts), which app.factory.ts installs. */
@Global()
@Module({
  imports: [AlertsModule],
  providers: [ApiKeyAuthenticator],
  exports: [ApiKeyAuthenticator],
})
export class AuthModule {}
