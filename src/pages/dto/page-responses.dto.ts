import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageView } from '../page-view';

export class PageListResponse {
  @ApiProperty({ type: [PageView] })
  items!: PageView[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export class UnsubscribeErrorDto {
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }] })
  code?: string | number;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional()
  fbtraceId?: string;
}

export class RemovedPageResponse {
  @ApiProperty({ type: PageView })
  page!: PageView;

  @ApiProperty({
    description: 'Whether the app was unsubscribed from the Page; removal goes ahead either way',
  })
  unsubscribed!: boolean;

  @ApiPropertyOptional({ type: UnsubscribeErrorDto })
  unsubscribeError?: UnsubscribeErrorDto;
}

export class PageHealthResponse {
  @ApiProperty()
  pageId!: string;

  @ApiProperty()
  checkedAt!: string;

  @ApiProperty()
  healthy!: boolean;

  @ApiProperty({
    type: [String],
    enum: [
      'token_invalid',
      'permission_missing',
      'subscription_missing',
      'subscription_incomplete',
      'graph_unavailable',
    ],
  })
  problems!: string[];

  @ApiProperty({ description: 'valid, type, expiresAt (null = never), scopes, missingScopes, error?' })
  token!: Record<string, unknown>;

  @ApiProperty({ description: 'subscribed (null = not checked), fields, missingFields, error?' })
  subscription!: Record<string, unknown>;
}
