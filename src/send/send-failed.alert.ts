import { AlertKind } from '../alerts/alert-kind';
import type { RaiseAlertInput } from '../alerts/alerts.service';
import type { OutboundError, OutboundMessage } from './outbound-message.entity';

/** One alert per Page (dedup key), counting up as more of its messages fail. */
export function sendFailedAlert(message: OutboundMessage, error: OutboundError): RaiseAlertInput {
  return {
    kind: AlertKind.SendFailed,
    severity: 'warning',
    pageId: message.pageId,
    title: `Messages of Page ${message.pageId} are failing`,
    details: { messageId: message.id, attempts: message.attempts, error },
    dedupKey: `${AlertKind.SendFailed}:${message.pageId}`,
  };
}
