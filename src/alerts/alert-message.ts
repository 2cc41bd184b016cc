import { redactSecrets, redactText } from '../logging/redact';
import type { Alert } from './alert.entity';

export interface SlackMessage {
  text: string;
  blocks?: Array<Record<string, unknown>>;
}

const MAX_SECTION_TEXT = 2_900; // Slack's limit is 3000 characters per section.

/**
 * The webhook body, built from the stored (already redacted) row; redacted once more so a row written
 * by other means still cannot leak a token into a chat channel.
 */
export function buildSlackMessage(alert: Alert): SlackMessage {
  const title = escape(redactText(alert.title));
  const label = alert.severity === 'critical' ? 'CRITICAL' : 'WARNING';
  const page = alert.pageId ? ` (Page ${escape(alert.pageId)})` : '';
  const repeat = alert.occurrences > 1 ? `, seen ${alert.occurrences} times` : '';
  const text = `[${label}] ${title}${page}${repeat}`;
  const details = JSON.stringify(redactSecrets(alert.details ?? {}), null, 2);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
    {
      type: 'section',
      fields: [
        field('Kind', alert.kind),
        field('Severity', alert.severity),
        field('Page', alert.pageId ?? '-'),
        field('Occurrences', String(alert.occurrences)),
        field('First seen', alert.firstSeenAt.toISOString()),
        field('Last seen', alert.lastSeenAt.toISOString()),
      ],
    },
  ];
  if (details !== '{}') {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: '```' + truncate(escape(details), MAX_SECTION_TEXT - 6) + '```' },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `alert ${alert.id} · ${escape(redactText(alert.dedupKey))}` }],
  });
  return { text, blocks };
}

function field(name: string, value: string) {
  return { type: 'mrkdwn', text: `*${name}*\n${escape(value)}` };
}

/** Slack's three control characters in mrkdwn. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
