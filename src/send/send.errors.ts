import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  UnprocessableError,
} from '../common/errors/domain-error';

export class MessageNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Message', id, 'message_not_found');
  }
}

/** Facebook would refuse it: the person has not written within the window the message type allows. */
export class OutsideMessagingWindowError extends UnprocessableError {
  constructor(windowHours: number, lastUserMessageAt: Date | null) {
    super(
      lastUserMessageAt
        ? `The person last wrote at ${lastUserMessageAt.toISOString()}, more than ${windowHours} hours ago; ` +
            'send with an allowed message tag or wait for them to write'
        : 'The person has never written to this Page; a standard message needs a message from them within 24 hours',
      'outside_messaging_window',
      { windowHours, lastUserMessageAt: lastUserMessageAt?.toISOString() ?? null },
    );
  }
}

/** `{ userId }` recipients need account linking, which is not available yet. */
export class AccountLinkingUnavailableError extends InvalidRequestError {
  constructor() {
    super(
      'Sending to a site user id needs account linking, which is not available yet',
      'account_linking_unavailable',
    );
  }
}

/** Retry or cancel asked of a message in a status that does not allow it. */
export class MessageStatusConflictError extends ConflictError {
  constructor(id: string, status: string, action: 'retry' | 'cancel', allowed: string[]) {
    super(
      `Message ${id} is ${status}; only ${allowed.join(' or ')} messages can be ${action === 'retry' ? 'retried' : 'cancelled'}`,
      'message_status_conflict',
    );
  }
}
