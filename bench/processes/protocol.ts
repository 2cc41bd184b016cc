/** What the fake Graph API child tells the bench (over the IPC channel). */

/** The bench's events carry `bench <n>`; the example bot echoes it ("You said: bench <n>"). */
export const markerText = (n: number): string => `bench ${n}`;
export const MARKER_PATTERN = /bench (\d+)/g;

export interface FakeGraphPage {
  id: string;
  token: string;
  psids: string[];
}

/** [marker, epoch ms the fake Graph received the call, HTTP status it answered] */
export type ObservedReply = [number, number, number];

export type FromFakeGraph =
  | { type: 'ready'; baseUrl: string; pages: FakeGraphPage[] }
  | { type: 'observed'; replies: ObservedReply[]; calls: number; failedCalls: number };
