// Percentiles the bench reports, the nearest-rank way (a p99 is a latency someone really had).
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export type Latencies = { p50: number; p95: number; p99: number };

export function latencies(values: number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
