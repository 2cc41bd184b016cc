import { Module } from '@nestjs/common';
import { GraphApiClient } from './graph-api.client';

@Module({
  providers: [GraphApiClient],
  exports: [GraphApiClient],
})
export class GraphModule {}
