import { Global, Module } from '@nestjs/common';

// Placeholder until GraphApiClient lands; exports it globally so features can inject it.
@Global()
@Module({})
export class GraphModule {}
