import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BotCatalog } from './bot-catalog';
import { HandlerRegistry } from './handler-registry';
import { HandlerRouter } from './handler-router';

/**
 * Handler discovery and the list of bots, global so the Pages module can refuse an unknown bot name
 * without importing the inbound processor (which itself depends on Pages).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [HandlerRegistry, HandlerRouter, BotCatalog],
  exports: [HandlerRegistry, HandlerRouter, BotCatalog],
})
export class BotCatalogModule {}
