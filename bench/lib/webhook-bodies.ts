import { createHmac } from 'node:crypto';

/** A webhook body and its X-Hub-Signature-256, as Facebook sends them. */
export interface SignedBody {
  body: string;
  signature: string;
}

export interface TextMessage {
  pageId: string;
  psid: string;
  mid: string;
  text: string;
  timestampMs: number;
}

/** Single-event Messenger webhook bodies signed with the app secret. */
export class WebhookSigner {
  constructor(private readonly appSecret: string) {}

  sign(body: string): SignedBody {
    return { body, signature: `sha256=${createHmac('sha256', this.appSecret).update(body).digest('hex')}` };
  }

  message(m: TextMessage): SignedBody {
    return this.sign(
      JSON.stringify({
        object: 'page',
        entry: [
          {
            id: m.pageId,
            time: m.timestampMs,
            messaging: [
              {
                sender: { id: m.psid },
                recipient: { id: m.pageId },
                timestamp: m.timestampMs,
                message: { mid: m.mid, text: m.text },
              },
            ],
          },
        ],
      }),
    );
  }
}
