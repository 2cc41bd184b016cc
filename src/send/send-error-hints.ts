import type { OutboundError, OutboundRecipient } from './outbound-message.entity';

/** Plain explanations for the failures operators hit most (shown in the admin API and in alerts). */
export const HINTS = {
  noMatchingUser:
    'No matching user: this id is not a PSID of this Page. Ids from Facebook Login do not work with the ' +
    "Send API, and a PSID of another Page must be sent with that Page's token. Use the PSID this Page received.",
  phoneRefused:
    'Facebook refused the send to this phone number: the number has not been verified recently. ' +
    'Have the person re-verify it on Facebook and wait 24 hours before sending again.',
  outsideWindow:
    'Outside the 24-hour messaging window: the person has not written within 24 hours. Send with an ' +
    'allowed message tag, or wait until they write again.',
  unavailable:
    'The person is not reachable (they blocked the Page, deleted their account or cannot receive messages ' +
    'now). Do not retry; the message cannot be delivered.',
  tokenInvalid:
    "The Page's access token is no longer valid. Register a new token (PATCH /admin/pages/:pageId) or " +
    'import the Page again from a user token; held messages are sent once the Page is active.',
  policyBlock:
    'Facebook blocked this Page from sending for policy reasons. Check the Page in Facebook Business ' +
    'Support; held messages are sent once the Page is active again.',
} as const;

export function hintFor(error: OutboundError, recipient: OutboundRecipient): string | undefined {
  if (error.code === 10 && error.subcode === 2018278) return HINTS.outsideWindow;
  if ('phoneNumber' in recipient && (error.kind === 'recipient' || error.kind === 'permanent'))
    return HINTS.phoneRefused;
  if (error.subcode === 2018001) return HINTS.noMatchingUser;
  if (error.code === 551) return HINTS.unavailable;
  if (error.code === 190 || error.code === 102) return HINTS.tokenInvalid;
  if (error.code === 368) return HINTS.policyBlock;
  return undefined;
}
