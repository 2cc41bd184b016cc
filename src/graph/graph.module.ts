import { Global, Module } from '@nestjs/common';
import { GraphApiClient } from './graph-api.client';

// Global: every feature talks to Facebook through the one client (and its one connection pool).
@Global()
@Module({
  providers: [GraphApiClient],
  exports: [GraphApiClient],
})
export class GraphModule {}
