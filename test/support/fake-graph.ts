import type { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';

/** Environment that points the app at a running fake Graph API: pass it to startTestApp(env). */
export function fakeGraphEnv(graph: FakeGraph): {
  GRAPH_API_BASE_URL: string;
  FB_APP_ID: string;
  FB_APP_SECRET: string;
} {
  return { GRAPH_API_BASE_URL: graph.baseUrl, FB_APP_ID: graph.appId, FB_APP_SECRET: graph.appSecret };
}
