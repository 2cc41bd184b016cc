import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import type { ReplayableStatus } from '../event-replay.service';

const REPLAYABLE: ReplayableStatus[] = ['failed', 'done', 'ignored'];

export class ReplayEventsQuery {
  @ApiPropertyOptional({ enum: REPLAYABLE, default: 'failed' })
  @IsOptional()
  @IsIn(REPLAYABLE)
  status?: ReplayableStatus;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events received at or after this time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;
}
