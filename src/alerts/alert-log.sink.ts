import { Injectable, Logger } from '@nestjs/common';
import type { AlertSeverity } from './alert-kind';

/** The fields of an alert the log line carries (all already redacted). */
export interface LoggedAlert {
  id: string;
  kind: string;
  severity: AlertSeverity;
  pageId: string | null;
  title: string;
  dedupKey: string;
  status?: string;
  occurrences: number;
  /** The occurrence whose raise claimed this delivery. */
  occurrence?: number;
  details: Record<string, unknown>;
}

/** The sink that is always there: one structured line, warn for warnings, error for critical alerts. */
@Injectable()
export class AlertLogSink {
  private readonly logger = new Logger('Alerts');

  write(alert: LoggedAlert, note?: string): void {
    const { title, ...fields } = alert;
    const line = { alert: note ? { ...fields, note } : fields };
    if (alert.severity === 'critical') this.logger.error(line, `Alert: ${title}`);
    else this.logger.warn(line, `Alert: ${title}`);
  }
}
