/**
 * Quantile of a bucketed histogram, as Prometheus' histogram_quantile computes it: find the bucket the
 * rank falls in and interpolate linearly inside it (the first bucket from 0). Ranks in the +Inf bucket
 * return the highest finite bound.
 *
 * The dashboard page runs this very function (its source text is inlined into the page by
 * dashboard.ts), so it must stay self-contained: no imports, no references outside its body.
 *
 * @param q        quantile in [0, 1]
 * @param bounds   finite upper bounds, ascending
 * @param counts   per-bucket counts (NOT cumulative), length bounds.length + 1 (last = +Inf bucket)
 * @returns the estimate in the bounds' unit, or NaN when the histogram is empty.
 * Stateless; any thread.
 */
export function histogramQuantile(q: number, bounds: ArrayLike<number>, counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (!(total > 0)) return NaN;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let cum = 0;
  for (let i = 0; i < bounds.length; i++) {
    const c = counts[i];
    if (c > 0 && cum + c >= rank) {
      const lo = i === 0 ? 0 : bounds[i - 1];
      return lo + (bounds[i] - lo) * ((rank - cum) / c);
    }
    cum += c;
  }
  return bounds.length > 0 ? bounds[bounds.length - 1] : NaN;
}
