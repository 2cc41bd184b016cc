import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import { UnknownBotError } from './bot-sdk.errors';
import { HandlerRegistry } from './handler-registry';

/** Which bots this deployment runs, for the Pages admin API and for routing a Page to its bot. */
@Injectable()
export class BotCatalog implements OnApplicationBootstrap {
  private readonly logger = new Logger(BotCatalog.name);

  constructor(
    private readonly registry: HandlerRegistry,
    @Inject(inboundConfig.KEY) private readonly config: InboundConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.registry.knownBots().includes(this.config.defaultBot)) {
      this.logger.warn(
        `INBOUND_DEFAULT_BOT "${this.config.defaultBot}" is not a known bot (${this.knownBots().join(', ') || 'none'}): ` +
          'events of Pages without a bot will not be handled',
      );
    }
  }

  knownBots(): string[] {
    return this.registry.knownBots();
  }

  /** The bot that handles a Page's events: its own, or the configured default. */
  botFor(pageBot: string | null | undefined): string {
    return pageBot ?? this.config.defaultBot;
  }

  /** Throws 400 `unknown_bot` listing the known bots. */
  assertKnown(name: string): void {
    const known = this.knownBots();
    if (!known.includes(name)) throw new UnknownBotError(name, known);
  }
}
