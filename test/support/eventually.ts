/**
 * Polls `probe` until it returns a truthy value, or fails after `timeoutMs` naming what it waited
 * for. Tests wait on an outcome with a deadline, never on a fixed sleep that could pass by luck.
 * `what` may be a function, to describe the last state seen when the wait times out.
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => Promise<T> | T,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<Exclude<T, false>>;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
