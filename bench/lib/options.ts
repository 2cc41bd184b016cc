/** Everything `npm run bench` can be told, read once from the environment (all optional). */
export interface BenchOptions {
  /** Admin connection: the bench creates and drops its own databases next to this one. */
  databaseUrl: string;
  /**
   * BENCH_REDIS_URL: the Redis to use. Unset: a private redis-server started for the run when one is
   * installed (exact command counts), else REDIS_URL (shared: other clients' commands are counted too).
   */
  redisUrl: string;
  redisUrlForced: boolean;
  /** Closed-loop connections of the ingest scenario. */
  connections: number;
  warmupSeconds: number;
  ingestSeconds: number;
  /** Requested rate of the open-loop ingest measure (lowered when the platform cannot take it). */
  openLoopRate: number;
  openLoopSeconds: number;
  /** End-to-end steps, events per second. */
  rates: number[];
  stepSeconds: number;
  /** The highest sustained step is run again this long (0 = not). */
  confirmSeconds: number;
  /** Longest wait after a step for its replies before it counts as not kept up with. */
  graceSeconds: number;
  conversations: number;
  /** SEND_PAGE_RATE_PER_SECOND of the platform processes (see README: the default caps 2 Pages). */
  pageRate: number;
  /** BENCH_SCENARIOS (default all): which of ingest, e2e, scale run; BENCH_SCALE=0 drops scale. */
  scenarios: Scenario[];
  scalePages: number;
  scaleInboxRows: number;
  /** Rate of the scale run's end-to-end steps; default: the highest the e2e scenario sustained. */
  scaleRate?: number;
  /**
   * The scale scenario (about 2 minutes) is skipped when it would end the run after this many
   * seconds (BENCH_BUDGET_SECONDS, default 330: `npm run bench` stays under 6 minutes).
   */
  budgetSeconds: number;
  /** Keep the child processes' logs even when the run succeeds. */
  keepLogs: boolean;
  /** Use dist/ as it is (no staleness check, no build). */
  skipBuild: boolean;
}

const env = process.env;

function int(name: string, fallback: number, min = 1): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number >= ${min} (got "${text}")`);
  return value;
}

function list(name: string, fallback: number[]): number[] {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`${name} must be comma-separated whole numbers`);
  return values;
}

export const SCENARIOS = ['ingest', 'e2e', 'scale'] as const;
export type Scenario = (typeof SCENARIOS)[number];

function scenarios(): Scenario[] {
  const text = env.BENCH_SCENARIOS?.trim();
  const chosen = text ? text.split(',').map((s) => s.trim()) : [...SCENARIOS];
  const unknown = chosen.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const noScale = ['0', 'false', 'no'].includes(env.BENCH_SCALE?.trim().toLowerCase() ?? '');
  return SCENARIOS.filter((s) => chosen.includes(s) && !(noScale && s === 'scale'));
}

const flag = (name: string): boolean => ['1', 'true', 'yes'].includes(env[name]?.trim().toLowerCase() ?? '');

export function readOptions(): BenchOptions {
  return {
    databaseUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.BENCH_REDIS_URL || env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisUrlForced: Boolean(env.BENCH_REDIS_URL),
    connections: int('BENCH_CONNECTIONS', 50),
    warmupSeconds: int('BENCH_WARMUP_SECONDS', 3),
    ingestSeconds: int('BENCH_INGEST_SECONDS', 10),
    openLoopRate: int('BENCH_OPEN_LOOP_RATE', 1000),
    openLoopSeconds: int('BENCH_OPEN_LOOP_SECONDS', 8),
    rates: list('BENCH_RATES', [25, 50, 100, 200, 500, 1000, 2000]),
    stepSeconds: int('BENCH_STEP_SECONDS', 8),
    confirmSeconds: int('BENCH_CONFIRM_SECONDS', 30, 0),
    graceSeconds: int('BENCH_GRACE_SECONDS', 3),
    conversations: int('BENCH_CONVERSATIONS', 200, 2),
    pageRate: int('BENCH_PAGE_RATE', 10_000),
    scenarios: scenarios(),
    scalePages: int('BENCH_SCALE_PAGES', 10_000),
    scaleInboxRows: int('BENCH_SCALE_INBOX_ROWS', 1_000_000),
    scaleRate: env.BENCH_SCALE_RATE?.trim() ? int('BENCH_SCALE_RATE', 1) : undefined,
    budgetSeconds: int('BENCH_BUDGET_SECONDS', 330),
    keepLogs: flag('BENCH_KEEP_LOGS'),
    skipBuild: flag('BENCH_SKIP_BUILD'),
  };
}
