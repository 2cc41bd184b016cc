import { RedactingConsoleLogger } from './redacting-console-logger';

describe(RedactingConsoleLogger.name, () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => jest.restoreAllMocks());

  it('hides the URL a parse error carries when Nest prints it at boot', () => {
    let error: unknown;
    try {
      new URL('redis://:boot-secret@cache:port');
    } catch (e) {
      error = e;
    }
    // What Nest's ExceptionHandler does with an error that stops the boot.
    new RedactingConsoleLogger('ExceptionHandler').error(error);
    const output = written.join('');
    expect(output).toContain('Invalid URL');
    expect(output).toContain('redis://:[REDACTED]@cache:port');
    expect(output).not.toContain('boot-secret');
  });

  it('hides URL passwords in messages and stack traces', () => {
    const logger = new RedactingConsoleLogger('TypeOrmModule', { colors: false });
    logger.error(
      'Unable to connect to postgres://app:msg-secret@db/hub',
      'Error: refused\n    at connect (postgres://app:stack-secret@db/hub)',
    );
    logger.warn('Retrying', 'postgres://app:context-secret@db/hub');
    logger.log({ url: 'rediss://default:object-secret@cache:6380' });
    const output = written.join('');
    expect(output).not.toMatch(/msg-secret|stack-secret|context-secret|object-secret/);
    expect(output).toContain('at connect (postgres://app:[REDACTED]@db/hub)');
    expect(output).toContain('postgres://app:[REDACTED]@db/hub');
  });
});
