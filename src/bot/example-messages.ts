/** Send API message bodies of the example bot, kept apart from its routing. */

export const GET_STARTED = 'GET_STARTED';
export const MENU_PAYLOAD = /^MENU_/;

const quickReply = (title: string, payload: string) => ({ content_type: 'text', title, payload });

export function greeting(ref?: string): Record<string, unknown> {
  const via = ref ? ` You came with ref "${ref}".` : '';
  return {
    text: `Hi! I am the example bot of messenger-hub.${via} Type anything and I will echo it, or pick one:`,
    quick_replies: [quickReply('Menu', 'QR_MENU'), quickReply('Link account', 'QR_LINK'), quickReply('Help', 'QR_HELP')],
  };
}

export function menu(): Record<string, unknown> {
  return {
    attachment: {
      type: 'template',
      payload: {
        template_type: 'button',
        text: 'What would you like?',
        buttons: [
          { type: 'postback', title: 'About', payload: 'MENU_ABOUT' },
          { type: 'postback', title: 'Help', payload: 'MENU_HELP' },
          { type: 'postback', title: 'My account', payload: 'MENU_ACCOUNT' },
        ],
      },
    },
  };
}

export const MENU_ANSWERS: Record<string, string> = {
  MENU_ABOUT: 'messenger-hub runs Messenger bots for many Pages from one deployment.',
  MENU_HELP: 'Say "menu" for the menu, "link" to link your account, "unlink" to unlink it.',
};

export function accountButtons(linkUrl: string, linked: boolean): Record<string, unknown> {
  return {
    attachment: {
      type: 'template',
      payload: {
        template_type: 'button',
        text: linked ? 'Your Messenger is linked to your account.' : 'Log in to link your Messenger to your account.',
        buttons: [linked ? { type: 'account_unlink' } : { type: 'account_link', url: linkUrl }],
      },
    },
  };
}

export function echoText(text: string): string {
  // Facebook refuses texts of 2000 characters or more; the prefix must fit too.
  const body = [...text].slice(0, 1_900).join('');
  return `You said: ${body}`;
}
