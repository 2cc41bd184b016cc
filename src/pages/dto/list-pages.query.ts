import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PAGE_STATUSES, type PageStatus } from '../page.entity';
import { LimitQuery } from '../../common/http/limit.query';

export class ListPagesQuery extends LimitQuery {
  @ApiPropertyOptional({ enum: PAGE_STATUSES })
  @IsOptional()
  @IsIn(PAGE_STATUSES, { message: `must be one of ${PAGE_STATUSES.join(', ')}` })
  status?: PageStatus;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be a nextCursor value' })
  cursor?: string;
}
