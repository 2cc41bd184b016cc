import { ConfigValidationError, isLoopbackHost } from './validate-env';

describe(ConfigValidationError.name, () => {
  it('never carries the password of a URL quoted in a problem', () => {
    const error = new ConfigValidationError([
      'DATABASE_URL: cannot reach postgres://app:pg-secret@db:5432/hub',
      'REDIS_URL: cannot reach rediss://default:redis-secret@cache:6380',
    ]);
    expect(error.message).not.toMatch(/pg-secret|redis-secret/);
    expect(error.problems.join('\n')).not.toMatch(/pg-secret|redis-secret/);
    expect(error.problems[0]).toBe('DATABASE_URL: cannot reach postgres://app:[REDACTED]@db:5432/hub');
  });

  it('lists every problem, one a line', () => {
    expect(new ConfigValidationError(['A: bad', 'B: bad']).message).toBe('Invalid configuration:\n  - A: bad\n  - B: bad');
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.255.0.9', '[::1]'])('takes %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['localhost.example.com', '128.0.0.1', '10.0.0.1', '127.0.0.1.nip.io', '[::2]', 'example.com'])(
    'does not take %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
