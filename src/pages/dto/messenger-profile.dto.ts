import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

const LOCALE = /^(default|[a-z]{2}_[A-Z]{2})$/;
const LOCALE_MESSAGE = 'must be "default" or a locale like en_US';
const HTTPS_URL = { protocols: ['https'], require_protocol: true, require_tld: false };

export class GetStartedDto {
  @ApiProperty({ example: 'GET_STARTED' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  payload!: string;
}

export class GreetingDto {
  @ApiProperty({ example: 'default' })
  @Matches(LOCALE, { message: LOCALE_MESSAGE })
  locale!: string;

  @ApiProperty({ example: 'Hi {{user_first_name}}!' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(160)
  text!: string;
}

export class MenuItemDto {
  @ApiProperty({ enum: ['postback', 'web_url'] })
  @IsIn(['postback', 'web_url'], { message: 'must be postback or web_url' })
  type!: 'postback' | 'web_url';

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(30)
  title!: string;

  @ApiPropertyOptional({ description: 'Required for postback items' })
  @ValidateIf((o: MenuItemDto) => o.type === 'postback' || o.payload !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  payload?: string;

  @ApiPropertyOptional({ description: 'Required for web_url items (https)' })
  @ValidateIf((o: MenuItemDto) => o.type === 'web_url' || o.url !== undefined)
  @IsUrl(HTTPS_URL, { message: 'must be an https URL' })
  url?: string;

  @ApiPropertyOptional({ enum: ['compact', 'tall', 'full'] })
  @IsOptional()
  @IsIn(['compact', 'tall', 'full'])
  webview_height_ratio?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  messenger_extensions?: boolean;

  @ApiPropertyOptional({ enum: ['hide', 'show'] })
  @IsOptional()
  @IsIn(['hide', 'show'])
  webview_share_button?: string;
}

export class PersistentMenuDto {
  @ApiProperty({ example: 'default' })
  @Matches(LOCALE, { message: LOCALE_MESSAGE })
  locale!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  composer_input_disabled?: boolean;

  @ApiProperty({ type: [MenuItemDto] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => MenuItemDto)
  call_to_actions!: MenuItemDto[];
}

export class IceBreakerQuestionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  question!: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  payload!: string;
}

export class IceBreakersDto {
  @ApiPropertyOptional({ example: 'default' })
  @IsOptional()
  @Matches(LOCALE, { message: LOCALE_MESSAGE })
  locale?: string;

  @ApiProperty({ type: [IceBreakerQuestionDto] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => IceBreakerQuestionDto)
  call_to_actions!: IceBreakerQuestionDto[];
}

/** PUT /admin/pages/:pageId/profile: the fields to set (others stay as Facebook has them). */
export class MessengerProfileDto {
  @ApiPropertyOptional({ type: GetStartedDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => GetStartedDto)
  get_started?: GetStartedDto;

  @ApiPropertyOptional({ type: [GreetingDto] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GreetingDto)
  greeting?: GreetingDto[];

  @ApiPropertyOptional({ type: [PersistentMenuDto] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PersistentMenuDto)
  persistent_menu?: PersistentMenuDto[];

  @ApiPropertyOptional({ type: [IceBreakersDto] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => IceBreakersDto)
  ice_breakers?: IceBreakersDto[];

  @ApiPropertyOptional({ type: [String], example: ['https://shop.example.com'] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsUrl(HTTPS_URL, { each: true, message: 'each value must be an https URL' })
  whitelisted_domains?: string[];
}
