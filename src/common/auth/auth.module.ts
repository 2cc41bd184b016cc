import { Global, Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { SiteApiKeyGuard } from './site-api-key.guard';

@Global()
@Module({
  providers: [ApiKeyAuthenticator, SiteApiKeyGuard],
  exports: [ApiKeyAuthenticator, SiteApiKeyGuard],
})
export class AuthModule {}
