import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class UpdatePageDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    enum: ['active', 'paused'],
    description: 'Reactivating a token_invalid Page needs a working token',
  })
  @IsOptional()
  @IsIn(['active', 'paused'], { message: 'must be active or paused' })
  status?: 'active' | 'paused';

  @ApiPropertyOptional({
    description: 'A new Page token, verified like a registration (never returned or logged)',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  accessToken?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The bot for this Page; null = the default bot',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits or _.- (or null)' })
  bot?: string | null;
}
