import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { FACEBOOK_ID, FACEBOOK_ID_MESSAGE } from './page-id.param';

export class ImportPagesDto {
  @ApiProperty({
    description: 'A (short-lived) user access token; exchanged for a long-lived one, never stored',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  userAccessToken!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Only these Pages (default: every Page of /me/accounts)',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(10_000)
  @Matches(FACEBOOK_ID, { each: true, message: FACEBOOK_ID_MESSAGE })
  pageIds?: string[];
}

export class ImportedPageResultDto {
  @ApiProperty()
  pageId!: string;

  @ApiProperty({ nullable: true, type: String })
  name!: string | null;

  @ApiProperty({ enum: ['registered', 'updated', 'failed'] })
  result!: 'registered' | 'updated' | 'failed';

  @ApiPropertyOptional({ example: 'not_found_in_accounts' })
  code?: string;

  @ApiPropertyOptional()
  reason?: string;
}

export class ImportPagesResponseDto {
  @ApiProperty({ type: [ImportedPageResultDto] })
  results!: ImportedPageResultDto[];

  @ApiProperty({ example: { registered: 2, updated: 1, failed: 0 } })
  summary!: Record<'registered' | 'updated' | 'failed', number>;
}
