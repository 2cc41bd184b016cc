/**
 * Settles like `operation`, or rejects with `Error(message)` after `ms`. An operation that loses the
 * race may still fail later (an ioredis command rejected when its connection closes): that failure is
 * swallowed here, since nobody awaits it any more, instead of becoming an unhandled rejection.
 */
export async function withTimeout<T>(operation: Promise<T>, ms: number, message: string): Promise<T> {
  operation.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      operation,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
