import { type FacebookErrorSpec, FakeGraphError } from './fake-graph.errors';

/** Which calls a fault or latency applies to: `path` is matched with and without the version prefix. */
export interface FakeGraphMatch {
  method?: string;
  path: string | RegExp;
}

export interface FakeGraphFault extends FakeGraphMatch {
  /** How many matching calls fail (default 1). */
  times?: number;
  /** HTTP status (default 500, or 400 when an error code is given). */
  status?: number;
  error?: FacebookErrorSpec;
  /** Sent as a Retry-After header, in seconds. */
  retryAfter?: number;
  /** Drop the connection without answering (a network failure). */
  hangup?: boolean;
}

/** Programmed faults and latencies, matched against each incoming call. */
export class FaultBook {
  private faults: Array<FakeGraphFault & { times: number }> = [];
  private latencies: Array<FakeGraphMatch & { ms: number }> = [];

  add(fault: FakeGraphFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  setLatency(rule: FakeGraphMatch & { ms: number }): void {
    this.latencies = this.latencies.filter(
      (l) => String(l.path) !== String(rule.path) || l.method !== rule.method,
    );
    if (rule.ms > 0) this.latencies.push(rule);
  }

  latencyFor(method: string, fullPath: string, path: string): number {
    return this.latencies.find((l) => matches(l, method, fullPath, path))?.ms ?? 0;
  }

  /** The first matching fault, used up once (faults apply in the order they were added). */
  take(method: string, fullPath: string, path: string): FakeGraphFault | undefined {
    const fault = this.faults.find((f) => f.times > 0 && matches(f, method, fullPath, path));
    if (!fault) return undefined;
    fault.times -= 1;
    this.faults = this.faults.filter((f) => f.times > 0);
    return fault;
  }

  clear(): void {
    this.faults = [];
    this.latencies = [];
  }
}

export function faultError(fault: FakeGraphFault): FakeGraphError {
  const status = fault.status ?? (fault.error ? 400 : 500);
  const spec =
    fault.error ?? (status >= 500 ? { code: 2, message: 'Service temporarily unavailable' } : { code: 1 });
  const headers: Record<string, string> =
    fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
  return new FakeGraphError(status, { message: `(#${spec.code}) Programmed failure`, ...spec }, headers);
}

function matches(rule: FakeGraphMatch, method: string, fullPath: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  return typeof rule.path === 'string'
    ? rule.path === path || rule.path === fullPath
    : rule.path.test(path) || rule.path.test(fullPath);
}
