import { type DynamicModule, Module } from '@nestjs/common';
import type { InboundConfig } from '../config/inbound.config';
import { ExampleBot } from './example.bot';

/** The bundled bots. The example bot is registered unless BOT_EXAMPLE_ENABLED=false. */
@Module({})
export class BotModule {
  static register({ exampleBotEnabled }: Pick<InboundConfig, 'exampleBotEnabled'>): DynamicModule {
    return { module: BotModule, providers: exampleBotEnabled ? [ExampleBot] : [] };
  }
}
