export interface LatencySummary {
  count: number;
  min: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Percentiles (nearest rank) of `values`, in their unit. `outOf` > values.length counts the missing
 * ones as slower than any value (e.g. replies that never came): a percentile that falls among them
 * is null, reported as "not reached" rather than as a number that flatters.
 */
export function summarize(values: ArrayLike<number>, outOf = values.length): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const total = Math.max(outOf, sorted.length);
  const rank = (q: number): number | null => {
    if (total === 0) return null;
    const index = Math.max(0, Math.ceil(q * total) - 1);
    return index < sorted.length ? sorted[index] : null;
  };
  return {
    count: sorted.length,
    min: sorted.length > 0 ? sorted[0] : null,
    p50: rank(0.5),
    p99: rank(0.99),
    max: total === 0 || sorted.length < total ? null : sorted[sorted.length - 1],
  };
}
