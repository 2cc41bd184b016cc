import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class AcknowledgeAlertBody {
  @ApiPropertyOptional({ description: 'Who acknowledges (a name or handle)', example: 'alice' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  by?: string;
}
