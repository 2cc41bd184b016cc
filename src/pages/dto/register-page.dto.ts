import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { MESSENGER_WEBHOOK_FIELDS } from '../../config/pages.config';
import { FACEBOOK_ID, FACEBOOK_ID_MESSAGE } from './page-id.param';

export class RegisterPageDto {
  @ApiProperty({
    description: 'A Page access token of this app with pages_messaging (never returned or logged)',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  accessToken!: string;

  @ApiPropertyOptional({ description: 'When given, the token must belong to this Page' })
  @IsOptional()
  @Matches(FACEBOOK_ID, { message: FACEBOOK_ID_MESSAGE })
  pageId?: string;

  @ApiPropertyOptional({ default: true, description: 'Subscribe the app to the Page’s webhook fields now' })
  @IsOptional()
  @IsBoolean()
  subscribe?: boolean;

  @ApiPropertyOptional({
    enum: MESSENGER_WEBHOOK_FIELDS,
    isArray: true,
    description: 'Defaults to PAGES_SUBSCRIBED_FIELDS',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MESSENGER_WEBHOOK_FIELDS.length)
  @IsIn(MESSENGER_WEBHOOK_FIELDS, {
    each: true,
    message: `each value must be one of ${MESSENGER_WEBHOOK_FIELDS.join(', ')}`,
  })
  subscribedFields?: string[];

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The bot for this Page (400 lists the known bots); null or absent = the default bot',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits or _.- (or null)' })
  bot?: string | null;
}
