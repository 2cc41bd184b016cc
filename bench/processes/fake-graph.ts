/**
 * The fake Graph API (src/sandbox/fake-graph) as a process of its own, with Pages and PSIDs for the
 * bench. It answers at once. The bench observes it from outside: every 50 ms the new entries of the
 * public `calls` log are scanned for the bench's markers and reported over IPC with the time each
 * call arrived; the server itself is not changed.
 * Env: PORT, FB_APP_ID, FB_APP_SECRET, BENCH_PAGES, BENCH_PSIDS_PER_PAGE.
 */
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { type FakeGraphPage, type FromFakeGraph, MARKER_PATTERN, type ObservedReply } from './protocol';

const send = (message: FromFakeGraph): void => {
  if (process.connected) process.send!(message);
};

async function main(): Promise<void> {
  const graph = await FakeGraph.start({
    port: Number(process.env.PORT),
    appId: process.env.FB_APP_ID,
    appSecret: process.env.FB_APP_SECRET,
  });
  const pages: FakeGraphPage[] = [];
  for (let i = 0; i < Number(process.env.BENCH_PAGES ?? 2); i++) {
    const page = graph.addPage({ name: `Bench Page ${i + 1}` });
    const psids = Array.from({ length: Number(process.env.BENCH_PSIDS_PER_PAGE ?? 100) }, () =>
      graph.addPsid(page.id),
    );
    pages.push({ id: page.id, token: page.token, psids });
  }
  send({ type: 'ready', baseUrl: graph.baseUrl, pages });

  let cursor = 0;
  let failedCalls = 0;
  const timer = setInterval(() => {
    const calls = graph.calls;
    if (cursor === calls.length) return;
    const replies: ObservedReply[] = [];
    for (; cursor < calls.length; cursor++) {
      const call = calls[cursor];
      if (call.status !== 200) failedCalls++;
      if (call.method !== 'POST' || call.body === undefined) continue;
      // Whatever the call's shape (one Send API call, or a batch of them), the text carries the marker.
      for (const match of JSON.stringify(call.body).matchAll(MARKER_PATTERN)) {
        replies.push([Number(match[1]), call.at.getTime(), call.status]);
      }
    }
    send({ type: 'observed', replies, calls: calls.length, failedCalls });
  }, 50);

  const stop = () => {
    clearInterval(timer);
    void graph.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake graph failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
