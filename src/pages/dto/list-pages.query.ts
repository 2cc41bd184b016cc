import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { PAGE_STATUSES, type PageStatus } from '../page.entity';

export class ListPagesQuery {
  @ApiPropertyOptional({ enum: PAGE_STATUSES })
  @IsOptional()
  @IsIn(PAGE_STATUSES, { message: `must be one of ${PAGE_STATUSES.join(', ')}` })
  status?: PageStatus;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
