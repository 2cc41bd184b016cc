import { Injectable } from '@nestjs/common';

export type InboundOutcome = 'handled' | 'unmatched' | 'ignored' | 'retried' | 'failed' | 'skipped_busy';

/**
 * In-process counters of what the processor did, labelled the way a Prometheus exporter would
 * (outcome, plus the reason for `ignored`). The metrics module reads `snapshot()`.
 */
@Injectable()
export class InboundMetrics {
  private readonly counts = new Map<string, number>();

  count(outcome: InboundOutcome, reason?: string): void {
    const key = reason ? `${outcome}:${reason}` : outcome;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
