import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsNotEmptyObject,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import type { SendRecipient } from '../send-input';
import { MESSAGING_TYPES, NOTIFICATION_TYPES, SENDER_ACTIONS } from '../send-input';
import type { MessagingType, SenderAction } from '../outbound-message.entity';

export class RecipientDto {
  @ApiPropertyOptional({ description: 'PSID of the person on this Page', example: '2400000000000001' })
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'must be a PSID (digits)' })
  id?: string;

  @ApiPropertyOptional({
    description: 'Customer matching: a recently verified number',
    example: '+14155550123',
  })
  @IsOptional()
  @IsString()
  @Length(7, 32)
  phoneNumber?: string;

  @ApiPropertyOptional({ description: "Checkbox plugin's user_ref" })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  userRef?: string;

  @ApiPropertyOptional({ description: 'A site user id (needs account linking; not available yet)' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  userId?: string;
}

export class SendMessageDto {
  @ApiProperty({ type: RecipientDto, description: 'Exactly one of id, phoneNumber, userRef, userId' })
  @ValidateNested()
  @Type(() => RecipientDto)
  @IsNotEmptyObject()
  recipient!: RecipientDto;

  @ApiPropertyOptional({
    type: Object,
    description: 'A Send API message object',
    example: { text: 'Your order shipped' },
  })
  @IsOptional()
  @IsObject()
  message?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: SENDER_ACTIONS })
  @IsOptional()
  @IsIn(SENDER_ACTIONS)
  senderAction?: SenderAction;

  @ApiPropertyOptional({
    enum: MESSAGING_TYPES,
    description: 'Default RESPONSE; a tag alone implies MESSAGE_TAG',
  })
  @IsOptional()
  @IsIn(MESSAGING_TYPES)
  messagingType?: MessagingType;

  @ApiPropertyOptional({ example: 'ACCOUNT_UPDATE', description: 'One of SEND_ALLOWED_TAGS' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tag?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_TYPES })
  @IsOptional()
  @IsIn(NOTIFICATION_TYPES)
  notificationType?: string;
}

/** The DTO's recipient with unset fields dropped, so "exactly one" can be checked. */
export function recipientOf(dto: RecipientDto): SendRecipient {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as SendRecipient;
}
