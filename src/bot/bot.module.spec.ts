import { BotModule } from './bot.module';
import { ExampleBot } from './example.bot';

describe(BotModule.name, () => {
  const saved = process.env.BOT_EXAMPLE_ENABLED;
  afterEach(() => {
    if (saved === undefined) delete process.env.BOT_EXAMPLE_ENABLED;
    else process.env.BOT_EXAMPLE_ENABLED = saved;
  });

  it('registers the example bot by default', () => {
    delete process.env.BOT_EXAMPLE_ENABLED;
    expect(BotModule.register().providers).toEqual([ExampleBot]);
  });

  it('leaves it out with BOT_EXAMPLE_ENABLED=false', () => {
    process.env.BOT_EXAMPLE_ENABLED = 'false';
    expect(BotModule.register().providers).toEqual([]);
  });
});
