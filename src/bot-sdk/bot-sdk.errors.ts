import { InvalidRequestError } from '../common/errors/domain-error';

export class UnknownBotError extends InvalidRequestError {
  constructor(name: string, knownBots: string[]) {
    super(
      `Unknown bot "${name}"; known bots: ${knownBots.length > 0 ? knownBots.join(', ') : '(none)'}`,
      'unknown_bot',
      { knownBots },
    );
  }
}

export class NoRecipientError extends Error {
  constructor(type: string) {
    super(`A ${type} event names neither a PSID nor a user_ref: there is no one to reply to`);
    this.name = 'NoRecipientError';
  }
}
