import { oldestRowPerConversation } from './inbox-wakeups';

const row = (id: string, pageId: string, conversationKey: string) => ({ id, pageId, conversationKey });

describe(oldestRowPerConversation.name, () => {
  it('names each conversation by its oldest row, by number not by text', () => {
    expect(
      oldestRowPerConversation([
        row('10', 'p1', 'u1'),
        row('9', 'p1', 'u1'),
        row('11', 'p1', 'u2'),
        row('12', 'p1', 'u1'),
      ]),
    ).toEqual(['9', '11']);
  });

  it('keeps conversations of different Pages apart, even with the same key', () => {
    expect(
      oldestRowPerConversation([
        row('1', 'p1', 'page'),
        row('2', 'p2', 'page'),
        row('3', 'p1', 'user_ref:a'),
      ]),
    ).toEqual(['1', '2', '3']);
  });
});
