import { Inject, Injectable, Logger } from '@nestjs/common';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import {
  Bot,
  OnAccountLinked,
  OnAccountUnlinked,
  OnDelivery,
  OnEcho,
  OnHandover,
  OnMessage,
  OnOptin,
  OnPostback,
  OnQuickReply,
  OnReaction,
  OnRead,
  OnReferral,
  OnStandby,
} from '../bot-sdk/decorators';
import type { HandlerContext } from '../bot-sdk/handler-context';
import type {
  AccountLinkedEvent,
  AccountUnlinkedEvent,
  DeliveryEvent,
  EchoEvent,
  HandoverEvent,
  MessageEvent,
  OptinEvent,
  PostbackEvent,
  ReactionEvent,
  ReadEvent,
  ReferralEvent,
  StandbyEvent,
} from '../bot-sdk/messenger-event';
import { accountButtons, echoText, GET_STARTED, greeting, menu, MENU_ANSWERS, MENU_PAYLOAD } from './example-messages';

/**
 * The example bot: one handler per decorator, and the bot the local sandbox talks to. Switched off
 * with BOT_EXAMPLE_ENABLED=false where a deployment brings its own bots.
 */
@Bot('example')
@Injectable()
export class ExampleBot {
  private readonly logger = new Logger(ExampleBot.name);

  constructor(@Inject(inboundConfig.KEY) private readonly config: InboundConfig) {}

  /** The Get Started button; an m.me link's `ref` rides along on this postback. */
  @OnPostback(GET_STARTED)
  async getStarted(event: PostbackEvent, ctx: HandlerContext<PostbackEvent>): Promise<void> {
    await ctx.reply(greeting(event.referral?.ref));
  }

  @OnMessage('menu')
  @OnQuickReply('QR_MENU')
  async showMenu(_event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    await ctx.reply(menu());
  }

  @OnPostback(MENU_PAYLOAD)
  async menuChoice(event: PostbackEvent, ctx: HandlerContext<PostbackEvent>): Promise<void> {
    if (event.payload === 'MENU_ACCOUNT') {
      await ctx.reply(accountButtons(this.config.accountLinkUrl, ctx.linkedUser !== null));
      return;
    }
    await ctx.reply(MENU_ANSWERS[event.payload] ?? 'That menu item is not known (any more).');
  }

  @OnMessage('help')
  @OnQuickReply('QR_HELP')
  async help(_event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    await ctx.reply(MENU_ANSWERS.MENU_HELP);
  }

  @OnMessage('link')
  @OnQuickReply('QR_LINK')
  async link(_event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    await ctx.reply(accountButtons(this.config.accountLinkUrl, false));
  }

  @OnMessage('unlink')
  async unlink(_event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    await ctx.reply(accountButtons(this.config.accountLinkUrl, true));
  }

  /** Everything else typed: echoed back; attachments acknowledged. */
  @OnMessage()
  async echo(event: MessageEvent, ctx: HandlerContext<MessageEvent>): Promise<void> {
    await ctx.typing();
    if (event.text !== undefined && event.text.trim() !== '') {
      await ctx.reply(echoText(event.text));
    } else {
      const kinds = event.attachments.map((a) => a.type).join(', ') || 'message';
      await ctx.reply(`Thanks for the ${kinds}!`);
    }
  }

  /** m.me/<page>?ref=... for someone already in the thread, ads, the chat plugin. */
  @OnReferral()
  async referral(event: ReferralEvent, ctx: HandlerContext<ReferralEvent>): Promise<void> {
    const ref = event.referral.ref ?? '(none)';
    await ctx.reply(`You came from ${event.referral.source ?? 'a link'} with ref "${ref}".`);
  }

  /** Send to Messenger `data-ref` (PSID known) or the checkbox plugin (only a user_ref). */
  @OnOptin()
  async optin(event: OptinEvent, ctx: HandlerContext<OptinEvent>): Promise<void> {
    await ctx.reply(`Thanks for opting in! Your data-ref was "${event.ref ?? '(none)'}".`);
  }

  @OnAccountLinked()
  async linked(_event: AccountLinkedEvent, ctx: HandlerContext<AccountLinkedEvent>): Promise<void> {
    await ctx.reply('Your account is now linked. Welcome!');
  }

  @OnAccountUnlinked()
  async unlinked(_event: AccountUnlinkedEvent, ctx: HandlerContext<AccountUnlinkedEvent>): Promise<void> {
    await ctx.reply('Your account is unlinked. Say "link" to link it again.');
  }

  @OnReaction()
  async reaction(event: ReactionEvent, ctx: HandlerContext<ReactionEvent>): Promise<void> {
    if (event.action === 'react') await ctx.reply(`Thanks for the ${event.emoji ?? event.reaction ?? 'reaction'}!`);
  }

  @OnDelivery()
  delivery(event: DeliveryEvent): void {
    this.logger.debug({ mids: event.mids.length, watermark: event.watermark }, 'Delivered');
  }

  @OnRead()
  read(event: ReadEvent): void {
    this.logger.debug({ watermark: event.watermark }, 'Read');
  }

  /** Never answered: answering our own echoes would loop, and a human agent's are theirs. */
  @OnEcho()
  echoed(event: EchoEvent, ctx: HandlerContext<EchoEvent>): void {
    if (!ctx.ownEcho) this.logger.debug({ pageId: ctx.page.id, appId: event.appId ?? 'page inbox' }, 'Someone else wrote');
  }

  @OnHandover()
  handover(event: HandoverEvent, ctx: HandlerContext<HandoverEvent>): void {
    this.logger.log({ pageId: ctx.page.id, action: event.action }, 'Thread control changed');
  }

  /** Another app owns the thread: watch, never answer. */
  @OnStandby()
  standby(event: StandbyEvent): void {
    this.logger.debug({ type: event.event.type }, 'Standby event');
  }
}
