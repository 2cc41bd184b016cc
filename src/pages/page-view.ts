import { ApiProperty } from '@nestjs/swagger';
import type { PageHealthReport } from './page-health.report';
import { PAGE_STATUSES, type Page, type PageStatus } from './page.entity';

/** A Page as the API and other modules see it: never the token, only its fingerprint. */
export class PageView {
  @ApiProperty({ example: '104857600123456' })
  pageId!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: PAGE_STATUSES })
  status!: PageStatus;

  @ApiProperty({ nullable: true, type: String })
  statusReason!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Bot handling the Page; null = the default bot' })
  bot!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Short sha256 prefix of the token, for audit' })
  tokenFingerprint!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Id of the key the token is encrypted with' })
  tokenKeyId!: string | null;

  @ApiProperty({ nullable: true, type: Date, description: 'null = the token does not expire' })
  tokenExpiresAt!: Date | null;

  @ApiProperty({ type: [String] })
  scopes!: string[];

  @ApiProperty({ type: [String] })
  subscribedFields!: string[];

  @ApiProperty({ nullable: true, type: Date })
  lastSubscriptionCheckAt!: Date | null;

  @ApiProperty({ nullable: true, type: Date })
  lastHealthCheckAt!: Date | null;

  @ApiProperty({ nullable: true, type: Object, description: 'The last health report' })
  health!: PageHealthReport | null;

  @ApiProperty({ nullable: true, type: Date })
  lastEventAt!: Date | null;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;
}

export function toPageView(page: Page): PageView {
  return {
    pageId: page.pageId,
    name: page.name,
    status: page.status,
    statusReason: page.statusReason,
    bot: page.bot,
    tokenFingerprint: page.tokenFingerprint,
    tokenKeyId: page.tokenKeyId,
    tokenExpiresAt: page.tokenExpiresAt,
    scopes: page.scopes,
    subscribedFields: page.subscribedFields,
    lastSubscriptionCheckAt: page.lastSubscriptionCheckAt,
    lastHealthCheckAt: page.lastHealthCheckAt,
    health: page.health,
    lastEventAt: page.lastEventAt,
    createdAt: page.createdAt,
    updatedAt: page.updatedAt,
  };
}
