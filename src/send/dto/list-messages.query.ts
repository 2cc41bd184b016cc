import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { OUTBOUND_STATUSES, type OutboundStatus } from '../outbound-message.entity';
import { IsBigintId } from '../../common/http/id-params';
import { LimitQuery } from '../../common/http/limit.query';

export class ListMessagesQuery extends LimitQuery {
  @ApiPropertyOptional({ example: '104857600123456' })
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'must be a Page id (digits)' })
  pageId?: string;

  @ApiPropertyOptional({ enum: OUTBOUND_STATUSES })
  @IsOptional()
  @IsIn(OUTBOUND_STATUSES)
  status?: OutboundStatus;

  @ApiPropertyOptional({
    description: 'A recipient key (psid:<id>, phone:<e164>, user_ref:<ref>) or a bare PSID',
    example: 'psid:2400000000000001',
  })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  recipient?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsBigintId({ message: 'must be a cursor returned by this endpoint' })
  cursor?: string;
}
