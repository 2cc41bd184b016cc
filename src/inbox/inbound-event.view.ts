import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { InboundEvent } from './inbound-event.entity';
import { INBOUND_EVENT_STATUSES, type InboundEventStatus } from './inbound-event.types';

/** An inbox row without its payload (admin lists). */
export class InboundEventSummary {
  @ApiProperty({ example: '4211', description: 'Row id (a string: it may exceed 2^53)' })
  id!: string;
  @ApiProperty({ example: 'mid:m_AbC123' })
  dedupKey!: string;
  @ApiProperty({ example: '104857600000001' })
  pageId!: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The user's PSID (for echoes the recipient)",
  })
  psid!: string | null;
  @ApiProperty({ description: 'PSID, `user_ref:<ref>` or `page`: events of one key are handled in order' })
  conversationKey!: string;
  @ApiProperty({ enum: ['messaging', 'standby'] })
  source!: string;
  @ApiProperty({ example: 'message' })
  type!: string;
  @ApiProperty({ enum: INBOUND_EVENT_STATUSES })
  status!: InboundEventStatus;
  @ApiProperty()
  attempts!: number;
  @ApiPropertyOptional({ type: String, nullable: true })
  lastError!: string | null;
  @ApiProperty({ format: 'date-time' })
  fbTimestamp!: string;
  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  handledAt!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;
}

export class InboundEventDetail extends InboundEventSummary {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event as Facebook sent it' })
  payload!: Record<string, unknown>;
}

export class InboundEventPage {
  @ApiProperty({ type: [InboundEventSummary] })
  items!: InboundEventSummary[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next (older) page',
  })
  nextCursor!: string | null;
}

export function toSummary(e: Omit<InboundEvent, 'payload'>): InboundEventSummary {
  return {
    id: String(e.id),
    dedupKey: e.dedupKey,
    pageId: e.pageId,
    psid: e.psid,
    conversationKey: e.conversationKey,
    source: e.source,
    type: e.eventType,
    status: e.status,
    attempts: e.attempts,
    lastError: e.lastError,
    fbTimestamp: e.fbTimestamp.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
    handledAt: e.handledAt?.toISOString() ?? null,
    nextAttemptAt: e.nextAttemptAt?.toISOString() ?? null,
  };
}

export function toDetail(e: InboundEvent): InboundEventDetail {
  return { ...toSummary(e), payload: e.payload };
}
