import { echoText, greeting } from './example-messages';

describe('example bot messages', () => {
  it('keeps an echo of a long text under the Send API limit of 2000 characters', () => {
    expect([...echoText('\u{1F600}'.repeat(5_000))].length).toBeLessThan(2_000);
  });

  it('mentions the m.me ref only when there is one', () => {
    expect(greeting('summer').text).toContain('ref "summer"');
    expect(greeting().text).not.toContain('ref');
  });
});
