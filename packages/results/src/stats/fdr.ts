/**
 * Benjamini-Hochberg adjusted p-values (q-values): rejecting every test whose q is below `alpha`
 * keeps the expected share of false discoveries among the rejections at or below `alpha`, for
 * independent or positively dependent tests. Same order as the input; NaN stays NaN and does not
 * count as a test.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const tested = pValues
    .flatMap((p, i) => (Number.isNaN(p) ? [] : [i]))
    .sort((i, j) => pValues[j]! - pValues[i]!);
  const m = tested.length;
  const adjusted = pValues.map(() => Number.NaN);
  let running = 1;
  // From the largest p down: q(k) = min over j >= k of p(j) m / j, so q never decreases with p.
  tested.forEach((index, k) => {
    const rank = m - k;
    running = Math.min(running, (pValues[index]! * m) / rank);
    adjusted[index] = running;
  });
  return adjusted;
}
