import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** Facebook ids are strings of digits (and exceed 2^53: never numbers). */
export const FACEBOOK_ID = /^\d{1,32}$/;
export const FACEBOOK_ID_MESSAGE = 'must be a Facebook id (digits)';

export class PageIdParam {
  @ApiProperty({ example: '104857600123456' })
  @Matches(FACEBOOK_ID, { message: FACEBOOK_ID_MESSAGE })
  pageId!: string;
}
