import { loadHttpConfig, parseTrustProxy } from './http.config';
import { ConfigValidationError } from './validate-env';

describe('parseTrustProxy', () => {
  const parse = (text: string | undefined) => {
    const problems: string[] = [];
    return { value: parseTrustProxy(text, problems), problems };
  };

  it('trusts no proxy by default', () => {
    expect(parse(undefined)).toEqual({ value: false, problems: [] });
    expect(parse('false')).toEqual({ value: false, problems: [] });
  });

  it('takes a hop count', () => {
    expect(parse('2')).toEqual({ value: 2, problems: [] });
  });

  it('takes addresses and CIDRs, IPv4 and IPv6', () => {
    expect(parse('10.0.0.0/8, 192.168.1.7,fd00::/8')).toEqual({
      value: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8'],
      problems: [],
    });
  });

  it.each(['true', '0', 'loadbalancer', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129'])('refuses %s by name', (text) => {
    const { problems } = parse(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY: /);
  });

  it('stops the boot on a bad value', () => {
    expect(() => loadHttpConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigValidationError);
  });
});
