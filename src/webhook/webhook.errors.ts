import { DomainError, InvalidRequestError } from '../common/errors/domain-error';

export type SignatureFailure = 'missing' | 'malformed' | 'mismatch';

/** 401 for every signature problem; the message says which, never what was expected. */
export class WebhookSignatureError extends DomainError {
  readonly status = 401;
  readonly code = 'invalid_signature';
  constructor(readonly reason: SignatureFailure) {
    super(
      reason === 'missing'
        ? 'Missing X-Hub-Signature-256 header'
        : reason === 'malformed'
          ? 'Malformed webhook signature header'
          : 'Webhook signature does not match the body',
    );
  }
}

export class WebhookVerificationError extends DomainError {
  readonly status = 403;
  readonly code = 'verification_failed';
  constructor() {
    super('Webhook verification failed');
  }
}

/** Signed, but not JSON or not a webhook envelope. */
export class InvalidWebhookBodyError extends InvalidRequestError {
  constructor(message: string) {
    super(message, 'invalid_webhook_body');
  }
}
