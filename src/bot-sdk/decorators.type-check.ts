/*
 * Compile-time checks of the handler decorators' types, run by `npm run typecheck` (`tsc --noEmit`
 * over src/ and test/, a step of .ci/run); Jest does not run this file. Each `@ts-expect-error` fails
 * the type-check if the line below it ever compiles.
 */
import { OnMessage, OnPostback } from './decorators';
import type { MessageEvent, PostbackEvent } from './messenger-event';

export class PostbackHandlerTakingAMessage {
  // @ts-expect-error a postback handler cannot declare a message event parameter
  @OnPostback('X')
  handle(_event: MessageEvent): void {}
}

export class MessageHandlerTakingAPostback {
  // @ts-expect-error a message handler cannot declare a postback event parameter
  @OnMessage()
  handle(_event: PostbackEvent): void {}
}

export class HandlersThatFit {
  @OnPostback('X')
  postback(_event: PostbackEvent): void {}

  @OnMessage()
  message(_event: MessageEvent): void {}
}
