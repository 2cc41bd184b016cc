/**
 * `npm run bench`: builds the app if needed, starts what it measures as child processes on loopback
 * (a baseline server, the platform's web and worker roles, the fake Graph API), runs the scenarios,
 * stops everything it started, drops its databases and Redis keys, writes bench/results/<time>.json
 * and prints a Markdown table. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT, transpileChildren } from './lib/build';
import { ProcessGroup } from './lib/children';
import { RunContext } from './lib/context';
import { BenchDatabases } from './lib/database';
import { readOptions } from './lib/options';
import { newSecrets } from './lib/platform';
import { startPrivateRedis } from './lib/private-redis';
import { RedisStats } from './lib/redis-stats';
import { type BenchResults, renderMarkdown } from './lib/report';
import { runEndToEnd } from './scenarios/e2e';
import { runIngest } from './scenarios/ingest';
import { runScale } from './scenarios/scale';

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/** About how long the scale scenario takes (seeding, four ingest windows, four end-to-end steps). */
const SCALE_SECONDS = 130;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function main(): Promise<number> {
  const options = readOptions();
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const runId = `${stamp.slice(0, 19).replace(/-/g, '').replace('T', 't')}_${randomBytes(2).toString('hex')}`;
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

  const built = options.skipBuild ? false : await ensureBuilt(log);
  const childDir = transpileChildren();
  const logDir = mkdtempSync(join(tmpdir(), `mh-bench-${runId}-`));
  const group = new ProcessGroup(logDir);
  const databases = new BenchDatabases(options.databaseUrl, runId);
  const privateRedis = options.redisUrlForced ? undefined : await startPrivateRedis(group);
  const redisUrl = privateRedis?.url ?? options.redisUrl;
  const redis = new RedisStats(redisUrl);
  const ctx = new RunContext(
    runId,
    options,
    group,
    databases,
    redis,
    redisUrl,
    privateRedis?.child.pid,
    newSecrets(),
    childDir,
  );

  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await group.stopAll((child) => child !== privateRedis?.child);
      await databases.dropAll();
      if (!privateRedis)
        for (const prefix of ctx.queuePrefixes) await redis.deletePrefix(prefix).catch(() => 0);
      await redis.close();
      await group.stopAll();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping every process the bench started`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results: BenchResults = {
    runId,
    startedAt: started.toISOString(),
    durationSeconds: 0,
    machine: {
      node: process.versions.node,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      loadAverageStart: loadavg(),
      loadAverageEnd: [],
    },
    git: {
      commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
      uncommittedSourceChanges: git(['status', '--porcelain', '--', 'src', 'migrations']) !== '',
    },
    options,
    redis: { private: privateRedis !== undefined, version: '' },
    built,
    notes: [],
    errors: [],
  };
  try {
    await databases.connect();
    await redis.connect();
    results.redis.version = await redis.version();
    ctx.log(`run ${runId}: migrating ${databases.template}`);
    await databases.createTemplate();

    if (options.scenarios.includes('ingest')) {
      try {
        results.ingest = await runIngest(ctx);
      } catch (error) {
        results.errors.push(`ingest: ${message(error)}`);
      }
    }
    if (options.scenarios.includes('e2e')) {
      try {
        results.e2e = await runEndToEnd(ctx);
      } catch (error) {
        results.errors.push(`e2e: ${message(error)}`);
      }
    }
    const elapsed = (Date.now() - started.getTime()) / 1000;
    if (options.scenarios.includes('scale') && elapsed + SCALE_SECONDS > options.budgetSeconds) {
      results.notes.push(
        `scale scenario skipped: ${elapsed.toFixed(0)} s elapsed + about ${SCALE_SECONDS} s for it exceeds ` +
          `BENCH_BUDGET_SECONDS=${options.budgetSeconds} (run it alone with BENCH_SCENARIOS=scale)`,
      );
    } else if (options.scenarios.includes('scale')) {
      const rate = options.scaleRate ?? results.e2e?.highestSustained ?? options.rates[0];
      try {
        results.scale = await runScale(ctx, rate);
      } catch (error) {
        results.errors.push(`scale: ${message(error)}`);
      }
    }
  } catch (error) {
    results.errors.push(message(error));
  } finally {
    await cleanup();
  }

  results.machine.loadAverageEnd = loadavg();
  results.durationSeconds = (Date.now() - started.getTime()) / 1000;
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${renderMarkdown(results)}\n`);
  log(`results: ${file}`);
  for (const error of results.errors) log(`error: ${error}`);
  if (results.errors.length > 0 || options.keepLogs) log(`child process logs kept in ${logDir}`);
  else rmSync(logDir, { recursive: true, force: true });
  return results.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
