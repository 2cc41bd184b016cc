import { loadInboundConfig } from '../config/inbound.config';
import { BotModule } from './bot.module';
import { ExampleBot } from './example.bot';

describe(BotModule.name, () => {
  it('registers the example bot by default', () => {
    expect(BotModule.register(loadInboundConfig({})).providers).toEqual([ExampleBot]);
  });

  it('leaves it out with BOT_EXAMPLE_ENABLED=false', () => {
    expect(BotModule.register(loadInboundConfig({ BOT_EXAMPLE_ENABLED: 'false' })).providers).toEqual([]);
  });
});
