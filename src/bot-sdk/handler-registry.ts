import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  BOT_METADATA,
  HANDLERS_METADATA,
  type HandlerMatch,
  type HandlerKind,
  type HandlerSpec,
} from './decorators';
import type { HandlerContext } from './handler-context';
import type { MessengerEvent } from './messenger-event';

export interface RegisteredHandler {
  bot: string;
  kind: HandlerKind;
  match: HandlerMatch;
  /** `Class.method`, for logs. */
  name: string;
  invoke(event: MessengerEvent, ctx: HandlerContext): Promise<unknown>;
}

/**
 * Finds every provider marked `@Bot(name)` and its decorated methods, once at boot. Any Nest provider
 * can be (part of) a bot; the Page's `bot` decides whose handlers see its events.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(HandlerRegistry.name);
  private readonly byBot = new Map<string, RegisteredHandler[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const seen = new Set<string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || typeof instance !== 'object' || instance === null) continue;
      const type = instance.constructor;
      const prototype = Object.getPrototypeOf(instance) as object;
      const bot = Reflect.getMetadata(BOT_METADATA, type) as string | undefined;
      const methods = this.scanner.getAllMethodNames(prototype);
      const decorated = methods.filter((m) => this.specsOf(prototype, m).length > 0);
      if (bot === undefined) {
        if (decorated.length > 0) {
          this.logger.warn(`${type.name} has handler methods but no @Bot(name): its handlers never run`);
        }
        continue;
      }
      if (!this.byBot.has(bot)) this.byBot.set(bot, []);
      // The same class provided by two modules would otherwise answer every event twice.
      if (seen.has(`${bot}:${type.name}`)) continue;
      seen.add(`${bot}:${type.name}`);
      for (const method of decorated) this.register(bot, instance, type.name, prototype, method);
    }
    for (const [bot, handlers] of this.byBot) {
      this.logger.log(
        `Bot "${bot}": ${handlers.length} handler(s) (${handlers.map((h) => h.name).join(', ')})`,
      );
    }
  }

  /** Bot names some provider declares with `@Bot`, sorted. */
  knownBots(): string[] {
    return [...this.byBot.keys()].sort();
  }

  handlersOf(bot: string): readonly RegisteredHandler[] {
    return this.byBot.get(bot) ?? [];
  }

  private specsOf(prototype: object, method: string): HandlerSpec[] {
    const fn = (prototype as Record<string, unknown>)[method];
    if (typeof fn !== 'function') return [];
    return (Reflect.getMetadata(HANDLERS_METADATA, fn) as HandlerSpec[] | undefined) ?? [];
  }

  private register(
    bot: string,
    instance: object,
    className: string,
    prototype: object,
    method: string,
  ): void {
    const fn = (prototype as Record<string, (...args: unknown[]) => unknown>)[method];
    const list = this.byBot.get(bot) ?? [];
    for (const spec of this.specsOf(prototype, method)) {
      list.push({
        bot,
        kind: spec.kind,
        match: spec.match,
        name: `${className}.${method}`,
        invoke: async (event, ctx) => await fn.call(instance, event, ctx),
      });
    }
    this.byBot.set(bot, list);
  }
}
