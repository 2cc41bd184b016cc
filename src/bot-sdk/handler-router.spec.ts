import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { inboundConfig } from '../config/inbound.config';
import { BotCatalog } from './bot-catalog';
import { UnknownBotError } from './bot-sdk.errors';
import {
  Bot,
  OnEcho,
  OnMessage,
  OnOptin,
  OnPostback,
  OnQuickReply,
  OnReferral,
  OnStandby,
  OnRead,
} from './decorators';
import { HandlerRegistry } from './handler-registry';
import { HandlerRouter } from './handler-router';
import type { MessageEvent } from './messenger-event';
import { parseMessengerEvent } from './messenger-event.parser';

const item = (event: Record<string, unknown>) => ({
  sender: { id: 'u1' },
  recipient: { id: 'p1' },
  timestamp: 1,
  ...event,
});
const text = (t: string, quickReply?: string) =>
  parseMessengerEvent(
    item({ message: { mid: 'm', text: t, ...(quickReply ? { quick_reply: { payload: quickReply } } : {}) } }),
  );
const postback = (payload: string) => parseMessengerEvent(item({ postback: { payload } }));

@Bot('shop')
@Injectable()
class ShopBot {
  @OnMessage()
  anyText(): string {
    return 'anyText';
  }
  @OnMessage((e: MessageEvent) => (e.text ?? '').length > 20)
  longText(): string {
    return 'longText';
  }
  @OnMessage(/^order\s+\d+$/gi)
  orderPattern(): string {
    return 'orderPattern';
  }
  @OnMessage('  Help ')
  help(): string {
    return 'help';
  }
  @OnQuickReply(/^SIZE_/)
  size(): string {
    return 'size';
  }
  @OnQuickReply('SIZE_L')
  large(): string {
    return 'large';
  }
  @OnPostback()
  anyPostback(): string {
    return 'anyPostback';
  }
  @OnPostback('MENU')
  @OnPostback(/^MENU_/)
  menu(): string {
    return 'menu';
  }
  @OnReferral('summer')
  summer(): string {
    return 'summer';
  }
  @OnOptin()
  optin(): string {
    return 'optin';
  }
  @OnEcho()
  echo(): string {
    return 'echo';
  }
}

@Bot('support')
@Injectable()
class SupportBot {
  @OnMessage()
  text(): string {
    return 'support';
  }
  @OnStandby()
  standby(): string {
    return 'standby';
  }
}

@Injectable()
class NotABot {
  @OnRead()
  read(): string {
    return 'never';
  }
}

describe(HandlerRouter.name, () => {
  let router: HandlerRouter;
  let catalog: BotCatalog;
  const run = async (bot: string, event: ReturnType<typeof parseMessengerEvent>) => {
    const handler = router.route(bot, event);
    return handler ? handler.invoke(event, {} as never) : undefined;
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        ShopBot,
        SupportBot,
        NotABot,
        HandlerRegistry,
        HandlerRouter,
        BotCatalog,
        { provide: inboundConfig.KEY, useValue: { defaultBot: 'shop' } },
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    router = moduleRef.get(HandlerRouter);
    catalog = moduleRef.get(BotCatalog);
  });

  it('knows the bots declared with @Bot, not undecorated classes', () => {
    expect(catalog.knownBots()).toEqual(['shop', 'support']);
  });

  it('prefers exact text (case-insensitive, trimmed) over regex, predicate and catch-all', async () => {
    await expect(run('shop', text(' HELP'))).resolves.toBe('help');
    await expect(run('shop', text('order 42'))).resolves.toBe('orderPattern');
    await expect(run('shop', text('order 43'))).resolves.toBe('orderPattern'); // no sticky lastIndex
    await expect(run('shop', text('a rather long message indeed'))).resolves.toBe('longText');
    await expect(run('shop', text('hi'))).resolves.toBe('anyText');
  });

  it('routes a quick reply to its payload handler first, then falls back to message handlers', async () => {
    await expect(run('shop', text('Large', 'SIZE_L'))).resolves.toBe('large');
    await expect(run('shop', text('Medium', 'SIZE_M'))).resolves.toBe('size');
    await expect(run('shop', text('help', 'OTHER'))).resolves.toBe('help');
  });

  it('routes postbacks by payload with several decorators on one method', async () => {
    await expect(run('shop', postback('MENU'))).resolves.toBe('menu');
    await expect(run('shop', postback('MENU_2'))).resolves.toBe('menu');
    await expect(run('shop', postback('menu'))).resolves.toBe('anyPostback');
  });

  it('matches referral and optin refs; no match is undefined, not an error', async () => {
    await expect(run('shop', parseMessengerEvent(item({ referral: { ref: 'summer' } })))).resolves.toBe(
      'summer',
    );
    expect(router.route('shop', parseMessengerEvent(item({ referral: { ref: 'winter' } })))).toBeUndefined();
    await expect(run('shop', parseMessengerEvent(item({ optin: { ref: 'x' } })))).resolves.toBe('optin');
  });

  it('sends echoes only to @OnEcho, never to message handlers', async () => {
    const echo = parseMessengerEvent({
      sender: { id: 'p1' },
      recipient: { id: 'u1' },
      message: { is_echo: true, mid: 'e', text: 'help' },
    });
    await expect(run('shop', echo)).resolves.toBe('echo');
    expect(router.route('support', echo)).toBeUndefined();
  });

  it("keeps each Page's events to its own bot", async () => {
    await expect(run('support', text('help'))).resolves.toBe('support');
    expect(router.route('nobody', text('help'))).toBeUndefined();
  });

  it('sends standby events only to @OnStandby', async () => {
    const standby = parseMessengerEvent(item({ message: { mid: 's', text: 'help' } }), { standby: true });
    await expect(run('support', standby)).resolves.toBe('standby');
    expect(router.route('shop', standby)).toBeUndefined();
  });

  it('ignores unknown events', () => {
    expect(router.route('shop', parseMessengerEvent(item({ message_edit: {} })))).toBeUndefined();
  });

  it('refuses an unknown bot name with the list of known ones', () => {
    expect(() => catalog.assertKnown('shop')).not.toThrow();
    expect(() => catalog.assertKnown('nope')).toThrow(UnknownBotError);
    const error = (() => {
      try {
        catalog.assertKnown('nope');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toMatchObject({
      status: 400,
      code: 'unknown_bot',
      details: { knownBots: ['shop', 'support'] },
    });
    expect(error?.message).toBe('Unknown bot "nope"; known bots: shop, support');
  });

  it('uses the default bot for a Page without one', () => {
    expect(catalog.botFor(null)).toBe('shop');
    expect(catalog.botFor('support')).toBe('support');
  });
});

describe('handler decorators', () => {
  it('refuse an invalid bot name', () => {
    expect(() => Bot('no spaces')).toThrow('invalid bot name');
  });
});
