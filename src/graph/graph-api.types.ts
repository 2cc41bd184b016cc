/** What Facebook says about a token (GET /debug_token), in our terms. */
export interface TokenDebugInfo {
  isValid: boolean;
  /** 'PAGE' | 'USER' | 'APP' | ... */
  type?: string;
  appId?: string;
  /** The Page id, for PAGE tokens. */
  profileId?: string;
  userId?: string;
  scopes: string[];
  /** null = never expires. */
  expiresAt: Date | null;
  /** Facebook's reason when the token is not valid (scrubbed). */
  errorMessage?: string;
}

/** One Page from GET /me/accounts, with its Page token. */
export interface PageAccount {
  id: string;
  name: string;
  accessToken: string;
  tasks: string[];
}

export interface SubscribedApp {
  id: string;
  name?: string;
  subscribedFields: string[];
}

export type SendApiRecipient = { id: string } | { user_ref: string } | { phone_number: string };
export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

/** The body of POST /me/messages, in Facebook's own field names. */
export interface SendApiRequest {
  recipient: SendApiRecipient;
  messaging_type?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
  tag?: string;
  notification_type?: string;
  message?: object;
  sender_action?: SenderAction;
}

export interface SendApiResult {
  recipientId?: string;
  messageId?: string;
}
