import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { INBOUND_EVENT_STATUSES, INBOUND_EVENT_TYPES, type InboundEventStatus } from './inbound-event.types';

export class ListInboundEventsQuery {
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
  @Matches(/^\d{1,18}$/, { message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
