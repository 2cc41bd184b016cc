import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { INBOUND_EVENT_STATUSES, INBOUND_EVENT_TYPES, type InboundEventStatus } from './inbound-event.types';
import { IsBigintId } from '../common/http/id-params';
import { LimitQuery } from '../common/http/limit.query';

export class ListInboundEventsQuery extends LimitQuery {
  @ApiPropertyOptional({ enum: INBOUND_EVENT_STATUSES })
  @IsOptional()
  @IsIn(INBOUND_EVENT_STATUSES)
  status?: InboundEventStatus;

  @ApiPropertyOptional({ example: '104857600000001' })
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'pageId must be a numeric Facebook id' })
  pageId?: string;

  @ApiPropertyOptional({ example: '2467890123456789' })
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'psid must be a numeric PSID' })
  psid?: string;

  @ApiPropertyOptional({ enum: INBOUND_EVENT_TYPES })
  @IsOptional()
  @IsIn(INBOUND_EVENT_TYPES)
  type?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsBigintId({ message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;
}
