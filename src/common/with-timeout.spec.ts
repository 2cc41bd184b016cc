import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('answers what the operation answers in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, 'slow')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('no')), 1_000, 'slow')).rejects.toThrow('no');
  });

  it('rejects with the message after the time, and a later failure of the operation is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let fail: (error: Error) => void = () => undefined;
      const late = new Promise<never>((_, reject) => (fail = reject));
      await expect(withTimeout(late, 10, 'Redis did not answer in time')).rejects.toThrow(
        'Redis did not answer in time',
      );
      fail(new Error('Connection is closed.'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
