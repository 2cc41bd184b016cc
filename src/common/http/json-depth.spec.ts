import { JSON_MAX_DEPTH, jsonTooDeep } from './json-depth';

const nested = (depth: number, open = '[', close = ']'): Buffer =>
  Buffer.from(open.repeat(depth) + close.repeat(depth));

describe('jsonTooDeep', () => {
  it('accepts JSON nested exactly to the limit and refuses one level more', () => {
    expect(jsonTooDeep(nested(JSON_MAX_DEPTH))).toBe(false);
    expect(jsonTooDeep(nested(JSON_MAX_DEPTH + 1))).toBe(true);
  });

  it('counts objects and arrays alike', () => {
    const deep = '{"a":'.repeat(40) + '[' .repeat(30) + ']'.repeat(30) + '}'.repeat(40);
    expect(jsonTooDeep(Buffer.from(deep))).toBe(true);
    expect(jsonTooDeep(Buffer.from(deep), 70)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: '['.repeat(500) + '\\"' + '{'.repeat(500), n: [[1]] });
    expect(jsonTooDeep(Buffer.from(text))).toBe(false);
  });

  it('finds depth reached after a string with an escaped backslash', () => {
    const text = `{"a":"\\\\",${'"b":['.repeat(1)}${'['.repeat(70)}${']'.repeat(71)}}`;
    expect(jsonTooDeep(Buffer.from(text))).toBe(true);
  });
});
