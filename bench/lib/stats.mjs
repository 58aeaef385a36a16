/** Percentile of a list of numbers (nearest rank); NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p99/max in milliseconds of microsecond samples. */
export function latencySummary(samplesUs) {
  return {
    samples: samplesUs.length,
    p50Ms: percentile(samplesUs, 50) / 1000,
    p99Ms: percentile(samplesUs, 99) / 1000,
    maxMs: percentile(samplesUs, 100) / 1000,
  };
}
