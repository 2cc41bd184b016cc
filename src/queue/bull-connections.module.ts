import { Module } from '@nestjs/common';
import { BullConnections } from './bull-connections';

/** Holds the one BullConnections of the application, for Bull's root options factory. */
@Module({
  providers: [BullConnections],
  exports: [BullConnections],
})
export class BullConnectionsModule {}
