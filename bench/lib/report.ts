import type { EndToEndResult, StepResult } from '../scenarios/e2e';
import type { ClosedLoopMeasure, IngestResult } from '../scenarios/ingest';
import type { ScaleResult } from '../scenarios/scale';
import type { BenchOptions } from './options';

export interface BenchResults {
  runId: string;
  startedAt: string;
  durationSeconds: number;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  git: { commit: string; uncommittedSourceChanges: boolean };
  options: BenchOptions;
  /** private: a redis-server started for the run; otherwise the shared one of BENCH_REDIS_URL / REDIS_URL. */
  redis: { private: boolean; version: string };
  built: boolean;
  ingest?: IngestResult;
  e2e?: EndToEndResult;
  scale?: ScaleResult;
  /** Things the reader should know (a scenario skipped...). */
  notes: string[];
  errors: string[];
}

/** The per-event budget of ../shared/DESIGN.md ("Under load"). */
export const BUDGET = { pgXactsPerEvent: 3, redisCommandsPerEvent: 15, cpuMsPerEvent: 1 };

const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : fmt(value, value < 10 ? 1 : 0);
const errorCount = (errors: Record<string, number>): number =>
  Object.values(errors).reduce((a, b) => a + b, 0);
const errorText = (errors: Record<string, number>): string =>
  errorCount(errors) === 0
    ? '0'
    : Object.entries(errors)
        .map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`)
        .join(', ');
const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? '–' : `${fmt(a / b, 2)}x`;

function table(header: string[], rows: string[][], align: Array<'l' | 'r'>): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

function ingestSection(r: IngestResult): string {
  const row = (name: string, m: ClosedLoopMeasure, x: string) => [
    name,
    fmt(m.perSecond),
    ms(m.latency.p50),
    ms(m.latency.p99),
    ms(m.latency.max),
    errorText(m.errors),
    fmt(m.cpuMsPerRequest, 3),
    fmt(m.pgXactsPerRequest, 2),
    fmt(m.redisCommandsPerRequest, 1),
    x,
  ];
  const open = r.openLoop;
  const openRow = (name: string, m: typeof open.baseline) => [
    name,
    fmt(m.sentPerSecond),
    ms(m.latency.p50),
    ms(m.latency.p99),
    ms(m.latency.max),
    errorText(m.errors),
  ];
  return [
    `### 1. Ingest: signed single-event POSTs, ${r.connections} connections, ${r.seconds} s after warm-up`,
    '',
    table(
      [
        'Server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'errors',
        'CPU ms/req',
        'PG xact/req',
        'Redis cmd/req',
        'vs baseline',
      ],
      [
        row('Baseline: bare Fastify + HMAC', r.baseline, '1.00x'),
        row('Platform `POST /webhook` (web)', r.platform, ratio(r.platform.perSecond, r.baseline.perSecond)),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Open loop at ${fmt(open.rate)} req/s for ${fmt(open.baseline.seconds, 0)} s (latency from each request's scheduled time)` +
      (open.lowered ? `; **lowered from ${fmt(open.requestedRate)} req/s**: ${open.lowered}` : '') +
      ':',
    '',
    table(
      ['Server', 'sent/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'],
      [openRow('Baseline', open.baseline), openRow('Platform', open.platform)],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n');
}

const rateLabel = (s: StepResult, confirmation?: StepResult): string =>
  s === confirmation ? `${fmt(s.rate)} (${s.seconds} s)` : fmt(s.rate);

function stepRows(steps: StepResult[], grace: number, confirmation?: StepResult): string {
  return table(
    [
      'events/s',
      'sent',
      'replies at end',
      `replies +${grace} s`,
      'backlog mid → end',
      'webhook p99 ms',
      'reply p50 ms',
      'reply p99 ms',
      'kept up',
    ],
    [...steps, ...(confirmation ? [confirmation] : [])].map((s) => [
      rateLabel(s, confirmation),
      fmt(s.sent),
      fmt(s.repliesAtStepEnd),
      fmt(s.repliesAfterGrace),
      `${fmt(s.backlogMid)} → ${fmt(s.backlogEnd)}`,
      ms(s.webhook.latency.p99),
      s.replyLatency.p50 === null ? `> ${grace} s` : ms(s.replyLatency.p50),
      s.replyLatency.p99 === null ? `> ${grace} s` : ms(s.replyLatency.p99),
      s.sustained ? 'yes' : `**no**: ${s.reason}`,
    ]),
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
}

function costRows(steps: StepResult[], confirmation?: StepResult): string {
  return table(
    [
      'events/s',
      'events handled',
      'PG xact',
      'Redis cmds',
      'CPU ms web',
      'CPU ms worker',
      'CPU ms web + worker',
      'CPU ms Postgres',
      'CPU ms Redis',
    ],
    [...steps, ...(confirmation ? [confirmation] : [])].map((s) => [
      rateLabel(s, confirmation),
      fmt(s.cost.events),
      fmt(s.cost.pgXactsPerEvent, 1),
      fmt(s.cost.redisCommandsPerEvent, 1),
      fmt(s.cost.webCpuMsPerEvent, 2),
      fmt(s.cost.workerCpuMsPerEvent, 2),
      fmt(s.cost.cpuMsPerEvent, 2),
      fmt(s.cost.postgresCpuMsPerEvent, 2),
      fmt(s.cost.redisCpuMsPerEvent, 2),
    ]),
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** The highest sustained step, else the first one: the "at load" cost. */
export const loadStep = (e2e: EndToEndResult): StepResult | undefined =>
  e2e.confirmation ?? e2e.steps.find((s) => s.rate === e2e.highestSustained) ?? e2e.steps[0];

function e2eSection(r: EndToEndResult): string {
  const at = loadStep(r);
  const warnings = [
    r.duplicates > 0 ? `**${r.duplicates} replies were sent twice.**` : '',
    r.rejectedReplies > 0 ? `**${r.rejectedReplies} replies were rejected by the fake Graph API.**` : '',
    r.foreignRedisClients > 0
      ? `${r.foreignRedisClients} other client(s) used the same Redis during the steps: Redis commands/event include their traffic.`
      : '',
    r.inbox.failed ? `${r.inbox.failed} inbox events failed.` : '',
    r.outbox.failed ? `${r.outbox.failed} outbox messages failed.` : '',
  ].filter(Boolean);
  return [
    `### 2. End to end: web + worker + fake Graph API, ${r.pages} Pages, ${r.conversations} conversations, example echo bot`,
    '',
    `Open-loop steps of ${r.stepSeconds} s; a step is kept up when ≥ 99 % of its replies reached the fake Graph API ` +
      `within ${r.graceSeconds} s after it, its backlog (events not replied to yet) did not grow over its second half, ` +
      `and no webhook failed. Latency: webhook POST scheduled → reply received by the fake Graph API.`,
    '',
    stepRows(r.steps, r.graceSeconds, r.confirmation),
    '',
    'Cost per event handled, by step (read under load, from 2 s into the step to its end):',
    '',
    costRows(r.steps, r.confirmation),
    '',
    `Highest rate sustained in ${r.stepSeconds} s steps: **${
      r.highestSustained === null
        ? `none (below ${fmt(r.steps[0]?.rate)} events/s)`
        : `${fmt(r.highestSustained)} events/s`
    }**` +
      (r.confirmation
        ? `; held for ${r.confirmation.seconds} s: ${r.confirmation.sustained ? '**yes**' : `**no** (${r.confirmation.reason})`}.`
        : '.'),
    '',
    at
      ? [
          `Per event at ${fmt(at.rate)} events/s (${at.seconds} s step) against the budget of DESIGN.md:`,
          '',
          table(
            ['', 'measured', 'budget'],
            [
              ['Postgres transactions', fmt(at.cost.pgXactsPerEvent, 1), `≤ ${BUDGET.pgXactsPerEvent}`],
              ['Redis commands', fmt(at.cost.redisCommandsPerEvent, 1), `≤ ${BUDGET.redisCommandsPerEvent}`],
              ['CPU ms (web + worker)', fmt(at.cost.cpuMsPerEvent, 2), `≤ ${BUDGET.cpuMsPerEvent}`],
            ],
            ['l', 'r', 'r'],
          ),
        ].join('\n')
      : '',
    warnings.length ? `\n${warnings.map((w) => `- ${w}`).join('\n')}` : '',
  ].join('\n');
}

const mean = (values: Array<number | null | undefined>): number | null =>
  values.length === 0 || values.some((v) => v === null || v === undefined)
    ? null
    : (values as number[]).reduce((a, b) => a + b, 0) / values.length;

/** A per-event figure over several steps, weighted by each step's events. */
function weighted(steps: StepResult[], pick: (cost: StepResult['cost']) => number | null): number | null {
  let total = 0;
  let events = 0;
  for (const step of steps) {
    const value = pick(step.cost);
    if (value === null) return null;
    total += value * step.cost.events;
    events += step.cost.events;
  }
  return events > 0 ? total / events : null;
}

function scaleSection(r: ScaleResult): string {
  const side = (ingest: ClosedLoopMeasure[], e2e: EndToEndResult) => ({
    perSecond: mean(ingest.map((m) => m.perSecond)),
    p99: mean(ingest.map((m) => m.latency.p99)),
    cpuMsPerRequest:
      ingest.reduce((a, m) => a + m.cpuMsPerRequest * m.ok, 0) /
      Math.max(
        1,
        ingest.reduce((a, m) => a + m.ok, 0),
      ),
    ingestPgXacts: mean(ingest.map((m) => m.pgXactsPerRequest)),
    keptUp: e2e.steps.every((s) => s.sustained),
    replyP50: mean(e2e.steps.map((s) => s.replyLatency.p50)),
    replyP99: mean(e2e.steps.map((s) => s.replyLatency.p99)),
    pgXacts: weighted(e2e.steps, (c) => c.pgXactsPerEvent),
    redisCommands: weighted(e2e.steps, (c) => c.redisCommandsPerEvent),
    postgresCpu: weighted(e2e.steps, (c) => c.postgresCpuMsPerEvent),
    cpu: weighted(e2e.steps, (c) => c.cpuMsPerEvent),
    scans: e2e.tableScans,
  });
  const a = side(r.ingest.reference, r.e2e.reference);
  const b = side(r.ingest.scale, r.e2e.scale);
  const row = (label: string, x: number | null, y: number | null, digits = 0): string[] => [
    label,
    digits === -1 ? ms(x) : fmt(x, digits),
    digits === -1 ? ms(y) : fmt(y, digits),
    ratio(y, x),
  ];
  const rate = `E2E ${fmt(r.e2eRate)}/s`;
  const rows = [
    row('Ingest req/s (closed loop)', a.perSecond, b.perSecond),
    row('Ingest p99 ms', a.p99, b.p99, -1),
    row('Ingest CPU ms/req (web)', a.cpuMsPerRequest, b.cpuMsPerRequest, 3),
    row('Ingest PG xact/req', a.ingestPgXacts, b.ingestPgXacts, 2),
    [`${rate}: kept up`, a.keptUp ? 'yes' : 'no', b.keptUp ? 'yes' : 'no', ''],
    row(`${rate}: reply p50 ms`, a.replyP50, b.replyP50, -1),
    row(`${rate}: reply p99 ms`, a.replyP99, b.replyP99, -1),
    row(`${rate}: PG xact/event`, a.pgXacts, b.pgXacts, 1),
    row(`${rate}: Redis cmd/event`, a.redisCommands, b.redisCommands, 1),
    row(`${rate}: Postgres CPU ms/event`, a.postgresCpu, b.postgresCpu, 2),
    row(`${rate}: web + worker CPU ms/event`, a.cpu, b.cpu, 2),
    ...['inbound_events', 'pages'].map((t) =>
      row(
        `\`${t}\` rows read by sequential scans`,
        a.scans[t]?.seqRowsRead ?? 0,
        b.scans[t]?.seqRowsRead ?? 0,
      ),
    ),
  ];
  return [
    `### 3. Scale: ${fmt(r.pages)} registered Pages and ${fmt(r.inboxRows)} handled inbox rows vs an empty database`,
    '',
    `Run interleaved (reference, scale, scale, reference) so background load hits both alike; each figure is the ` +
      `mean of the two windows (ingest: ${r.ingest.seconds} s each, ${fmt(r.ingest.reference[0]?.ok ?? 0)} requests in the first; ` +
      `end to end: ${r.e2e.scale.stepSeconds} s steps). Seeding took ${fmt(r.seedSeconds)} s.`,
    '',
    table(['Measure', 'reference', 'scale', 'scale / reference'], rows, ['l', 'r', 'r', 'r']),
  ].join('\n');
}

function memorySection(results: BenchResults): string {
  const i = results.ingest?.rssMb;
  const e = results.e2e?.rssMb;
  const rows = [
    ['Baseline (bare Fastify)', fmt(i?.baseline), '–'],
    ['Platform web', fmt(i?.web), fmt(e?.web)],
    ['Platform worker', '–', fmt(e?.worker)],
    ['Fake Graph API (not the platform)', '–', fmt(e?.fakeGraph)],
  ];
  if (results.scale) {
    const { web, worker } = results.scale.e2e.scale.rssMb;
    rows.push(['Scale run: web, worker', '–', `${fmt(web)}, ${fmt(worker)}`]);
  }
  return [
    '### 4. Memory: VmRSS, MB',
    '',
    table(['Process', 'end of ingest', 'end of e2e'], rows, ['l', 'r', 'r']),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const parts = [
    `## messenger-hub bench, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Commit ${results.git.commit}${results.git.uncommittedSourceChanges ? ' + uncommitted changes in src/' : ''}; ` +
      `Node ${m.node}; ${m.cpus} CPUs (${m.cpuModel}); load average ${m.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} at start, ` +
      `${m.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')} at the end; Redis ${results.redis.version} ` +
      `(${results.redis.private ? 'private to the run' : 'shared'}); run took ${fmt(results.durationSeconds)} s.`,
  ];
  if (results.ingest) parts.push('', ingestSection(results.ingest));
  if (results.e2e) parts.push('', e2eSection(results.e2e));
  if (results.scale) parts.push('', scaleSection(results.scale));
  if (results.ingest || results.e2e) parts.push('', memorySection(results));
  if (results.notes.length) parts.push('', '### Notes', '', ...results.notes.map((n) => `- ${n}`));
  if (results.errors.length)
    parts.push('', '### Errors', '', ...results.errors.map((e) => `- ${e.split('\n')[0]}`));
  return `${parts.join('\n')}\n`;
}
