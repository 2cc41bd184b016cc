import type { Child } from '../lib/children';
import type { RunContext } from '../lib/context';
import { insertHandledEvents, insertPages, withClient } from '../lib/database';
import { platformEnv, startPlatform } from '../lib/platform';
import { EndToEnd, type EndToEndResult } from './e2e';
import { type ClosedLoopMeasure, ingestBodies, measureClosedLoop } from './ingest';

/**
 * Each measure runs on both databases in the order reference, scale, scale, reference (ABBA), close
 * together in time, so a change in the machine's background load hits both sides alike.
 */
export interface ScaleResult {
  pages: number;
  inboxRows: number;
  seedSeconds: number;
  ingest: { seconds: number; reference: ClosedLoopMeasure[]; scale: ClosedLoopMeasure[] };
  e2eRate: number;
  e2e: { reference: EndToEndResult; scale: EndToEndResult };
}

/** Seals tokens with the platform's own TokenVault and the run's key, as the pages module would. */
async function tokenSealer(settings: ReturnType<RunContext['platform']>) {
  // Loaded only here: the scale run is the only part of the bench that needs the app's sources.
  const { TokenVault } = await import('../../src/pages/token-vault');
  const { loadSecurityConfig } = await import('../../src/config/security.config');
  const { loadPagesConfig } = await import('../../src/config/pages.config');
  const env = platformEnv(settings, 'worker', 0);
  const pagesConfig = loadPagesConfig(env);
  const vault = new TokenVault(loadSecurityConfig(env), pagesConfig);
  return {
    subscribedFields: [...pagesConfig.subscribedFields],
    seal: (pageId: string, token: string) => ({
      ...vault.seal(pageId, token),
      fingerprint: TokenVault.fingerprint(token),
    }),
  };
}

/** measure(a), measure(b), measure(b), measure(a) */
async function abba<T>(a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  const a1 = await a();
  const b1 = await b();
  const b2 = await b();
  const a2 = await a();
  return { a: [a1, a2], b: [b1, b2] };
}

/**
 * Scenario 3: the ingest and end-to-end measures on a database that already holds `scalePages`
 * active Pages and `scaleInboxRows` handled inbox rows, against the same measures on an empty
 * reference database, interleaved.
 */
export async function runScale(ctx: RunContext, rate: number): Promise<ScaleResult> {
  const { options } = ctx;
  const reference = await ctx.databases.clone('scale_ref');
  const scale = await ctx.databases.clone('scale');
  const referenceSettings = ctx.platform(reference.url, 'scale-ref-ingest');
  const scaleSettings = ctx.platform(scale.url, 'scale-ingest');

  ctx.log(`scale: ${options.scalePages} Pages and ${options.scaleInboxRows} handled inbox rows`);
  const seedStart = Date.now();
  const sealer = await tokenSealer(scaleSettings);
  const pageIds = await insertPages(scale.url, options.scalePages, sealer.subscribedFields, sealer.seal);
  await insertHandledEvents(scale.url, options.scaleInboxRows, options.scalePages);
  const seedSeconds = (Date.now() - seedStart) / 1000;

  // Half the ingest duration per window: four windows instead of one.
  const seconds = Math.max(2, Math.round(options.ingestSeconds / 2));
  ctx.log(
    `scale: seeded in ${seedSeconds.toFixed(0)} s; ingest closed loop, reference/scale/scale/reference`,
  );
  const webs: Child[] = await Promise.all([
    startPlatform(ctx.group, 'scale-ref-ingest-web', referenceSettings, 'web'),
    startPlatform(ctx.group, 'scale-ingest-web', scaleSettings, 'web'),
  ]);
  let ingest: { a: ClosedLoopMeasure[]; b: ClosedLoopMeasure[] };
  try {
    const referenceBodies = ingestBodies(ctx, 'scale-ref-ingest', pageIds);
    const scaleBodies = ingestBodies(ctx, 'scale-ingest', pageIds);
    // The second window of each process needs only to open the connections again.
    const warmed = new Set<Child>();
    const measure = (web: Child, bodies: typeof referenceBodies, database: string) => async () => {
      const warmupSeconds = warmed.has(web) ? 1 : options.warmupSeconds;
      warmed.add(web);
      return measureClosedLoop(ctx, web, bodies, { seconds, warmupSeconds, database });
    };
    ingest = await abba(
      measure(webs[0], referenceBodies, reference.name),
      measure(webs[1], scaleBodies, scale.name),
    );
  } finally {
    await Promise.all(webs.map((w) => w.stop()));
  }
  // No worker ran: the ingest's rows join the handled history instead of being woken later.
  for (const db of [reference, scale]) {
    await withClient(db.url, (client) =>
      client.query(`UPDATE inbound_events SET status = 'done', handled_at = now() WHERE status = 'pending'`),
    );
  }

  ctx.log(`scale: end to end at ${rate} events/s, reference/scale/scale/reference`);
  const referenceRun = await EndToEnd.start(ctx, 'scale-ref-e2e', reference);
  try {
    const scaleRun = await EndToEnd.start(ctx, 'scale-e2e', scale);
    try {
      await referenceRun.warmUp();
      await scaleRun.warmUp();
      const steps = await abba(
        () => referenceRun.loggedStep(rate),
        () => scaleRun.loggedStep(rate),
      );
      return {
        pages: options.scalePages,
        inboxRows: options.scaleInboxRows,
        seedSeconds,
        ingest: { seconds, reference: ingest.a, scale: ingest.b },
        e2eRate: rate,
        e2e: { reference: await referenceRun.finish(steps.a), scale: await scaleRun.finish(steps.b) },
      };
    } finally {
      await scaleRun.close();
    }
  } finally {
    await referenceRun.close();
  }
}
