import { ConflictError, NotFoundError } from '../common/errors/domain-error';

export class AlertNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Alert', id, 'alert_not_found');
  }
}

export class AlertAlreadyResolvedError extends ConflictError {
  constructor(id: string) {
    super(`Alert ${id} is already resolved`, 'alert_resolved');
  }
}
