/** The bot's handler threw: the event is retried with backoff, unlike a database failure around it. */
export class HandlerFailure extends Error {
  constructor(
    readonly handler: string,
    override readonly cause: unknown,
  ) {
    const inner = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${handler} threw ${inner}`);
    this.name = 'HandlerFailure';
  }
}
