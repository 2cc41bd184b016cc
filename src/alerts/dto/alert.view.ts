import { ApiProperty } from '@nestjs/swagger';
import { redactSecrets, redactText } from '../../logging/redact';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  type AlertSeverity,
  type AlertStatus,
} from '../alert-kind';
import type { Alert } from '../alert.entity';

export class AlertView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ALERT_KINDS })
  kind!: string;

  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: AlertSeverity;

  @ApiProperty({ type: String, nullable: true })
  pageId!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Context; never a secret' })
  details!: Record<string, unknown>;

  @ApiProperty({ example: 'page_token_invalid:104857362819475' })
  dedupKey!: string;

  @ApiProperty({ enum: ALERT_STATUSES })
  status!: AlertStatus;

  @ApiProperty({ description: 'How many times it was raised while unresolved' })
  occurrences!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  firstSeenAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  lastSeenAt!: string;

  @ApiProperty({ type: String, nullable: true })
  acknowledgedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Latest delivery scheduled',
  })
  lastDeliveredAt!: string | null;

  static from(alert: Alert): AlertView {
    return {
      id: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      pageId: alert.pageId,
      title: redactText(alert.title),
      // Stored redacted; redacted again so a row written by other means cannot leak.
      details: redactSecrets(alert.details ?? {}) as Record<string, unknown>,
      dedupKey: alert.dedupKey,
      status: alert.status,
      occurrences: alert.occurrences,
      firstSeenAt: alert.firstSeenAt.toISOString(),
      lastSeenAt: alert.lastSeenAt.toISOString(),
      acknowledgedBy: alert.acknowledgedBy,
      acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
      lastDeliveredAt: alert.lastDeliveredAt?.toISOString() ?? null,
    };
  }
}

export class AlertPage {
  @ApiProperty({ type: [AlertView] })
  items!: AlertView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}
