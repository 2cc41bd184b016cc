import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OUTBOUND_STATUSES, type OutboundMessage, type OutboundStatus } from '../outbound-message.entity';

export class MessageErrorView {
  @ApiProperty({
    example: 'recipient',
    description: 'transient | throttled | recipient | auth | permanent | page | internal',
  })
  kind!: string;

  @ApiPropertyOptional({ example: 551 })
  code?: number;

  @ApiPropertyOptional({ example: 1545041 })
  subcode?: number;

  @ApiPropertyOptional({ example: 400 })
  httpStatus?: number;

  @ApiPropertyOptional({ example: 'AbCdEf123' })
  fbtraceId?: string;

  @ApiProperty({ example: "This person isn't available right now." })
  message!: string;

  @ApiPropertyOptional({ description: 'What an operator can do about it, for the most common causes' })
  hint?: string;
}

/** An outbox message as the admin API shows it (never a token). */
export class MessageView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '104857600123456' })
  pageId!: string;

  @ApiProperty({ example: { id: '2400000000000001' }, description: '{ id } | { phoneNumber } | { userRef }' })
  recipient!: Record<string, string>;

  @ApiProperty({ example: 'psid:2400000000000001' })
  recipientKey!: string;

  @ApiPropertyOptional({ type: Object, example: { text: 'Hello' } })
  message?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['typing_on', 'typing_off', 'mark_seen'] })
  senderAction?: string;

  @ApiProperty({ nullable: true, enum: ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'] })
  messagingType!: string | null;

  @ApiProperty({ nullable: true, type: String })
  tag!: string | null;

  @ApiProperty({ nullable: true, type: String })
  notificationType!: string | null;

  @ApiProperty({ enum: OUTBOUND_STATUSES })
  status!: OutboundStatus;

  @ApiProperty({ description: 'Graph calls made for this message' })
  attempts!: number;

  @ApiProperty({ description: 'When the next attempt is due (queued messages)' })
  nextAttemptAt!: Date;

  @ApiProperty({ nullable: true, type: MessageErrorView })
  lastError!: MessageErrorView | null;

  @ApiProperty({ nullable: true, type: String, description: "Facebook's message id once sent" })
  fbMessageId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  idempotencyKey!: string | null;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ nullable: true, type: Date })
  sentAt!: Date | null;

  @ApiProperty()
  updatedAt!: Date;
}

export class MessageList {
  @ApiProperty({ type: [MessageView] })
  items!: MessageView[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next (older) page' })
  nextCursor!: string | null;
}

export class SendAccepted {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: OUTBOUND_STATUSES, example: 'queued' })
  status!: OutboundStatus;
}

export function toMessageView(m: OutboundMessage): MessageView {
  return {
    id: m.id,
    pageId: m.pageId,
    recipient: { ...m.recipient },
    recipientKey: m.recipientKey,
    ...('message' in m.payload ? { message: m.payload.message } : { senderAction: m.payload.senderAction }),
    messagingType: m.messagingType,
    tag: m.tag,
    notificationType: m.notificationType,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.nextAttemptAt,
    lastError: m.lastError,
    fbMessageId: m.fbMessageId,
    idempotencyKey: m.idempotencyKey,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
    updatedAt: m.updatedAt,
  };
}
