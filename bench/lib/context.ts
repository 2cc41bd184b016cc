import type { ProcessGroup } from './children';
import type { BenchDatabases } from './database';
import type { BenchOptions } from './options';
import type { PlatformSecrets, PlatformSettings } from './platform';
import type { RedisStats } from './redis-stats';
import { WebhookSigner } from './webhook-bodies';

/** What every scenario of one run shares; everything it starts is registered here for clean-up. */
export class RunContext {
  readonly signer: WebhookSigner;
  readonly queuePrefixes: string[] = [];

  constructor(
    readonly runId: string,
    readonly options: BenchOptions,
    readonly group: ProcessGroup,
    readonly databases: BenchDatabases,
    readonly redis: RedisStats,
    /** The Redis the platform processes use (see BenchOptions.redisUrl). */
    readonly redisUrl: string,
    /** The private redis-server's pid, when the run started one. */
    readonly redisPid: number | undefined,
    readonly secrets: PlatformSecrets,
    /** Where the transpiled child entries (baseline.js, fake-graph.js) are. */
    readonly childDir: string,
  ) {
    this.signer = new WebhookSigner(secrets.appSecret);
  }

  /** A queue prefix of this run and phase, deleted from Redis at the end. */
  queuePrefix(phase: string): string {
    const prefix = `mhbench:${this.runId}:${phase}`;
    this.queuePrefixes.push(prefix);
    return prefix;
  }

  platform(databaseUrl: string, phase: string, graphBaseUrl?: string): PlatformSettings {
    return {
      secrets: this.secrets,
      databaseUrl,
      redisUrl: this.redisUrl,
      queuePrefix: this.queuePrefix(phase),
      graphBaseUrl,
      pageRate: this.options.pageRate,
    };
  }

  log(line: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  }
}
