/**
 * Paired comparison of two models on the same labelled queries: McNemar's z of the queries one
 * classifies rightly and the other wrongly. A change of under a point of kNN@20 is read against
 * this, not against the unpaired noise of the two percentages (each about ±0.7 at 5,000 queries).
 */
import { nearestNeighbours, normaliseRows, weightedVote } from '../../../main/ml/eval/knn';

/** Which queries the similarity-weighted vote of their k nearest bank codes labels rightly, and precision@p of each. */
export async function perQueryKnn(
  bank: { codes: Float32Array; labels: ArrayLike<number> },
  queries: { codes: Float32Array; labels: ArrayLike<number> },
  dim: number,
  k = 20,
  precisionAt = 10,
  temperature = 0.07,
): Promise<{ right: Uint8Array; precision: Float32Array }> {
  const depth = Math.max(k, precisionAt);
  const nn = await nearestNeighbours(normaliseRows(Float32Array.from(bank.codes), dim), normaliseRows(Float32Array.from(queries.codes), dim), dim, depth);
  const count = queries.labels.length;
  const right = new Uint8Array(count);
  const precision = new Float32Array(count);
  for (let q = 0; q < count; q++) {
    const labels = Array.from(nn.indices.subarray(q * nn.depth, (q + 1) * nn.depth), (i) => bank.labels[i]!);
    right[q] = weightedVote(labels, nn.similarities.subarray(q * nn.depth, (q + 1) * nn.depth), k, temperature) === queries.labels[q] ? 1 : 0;
    precision[q] = labels.slice(0, precisionAt).filter((l) => l === queries.labels[q]).length / Math.min(precisionAt, nn.depth);
  }
  return { right, precision };
}

/** McNemar's z of `after` against `before` (positive: more queries gained than lost), with the counts. */
export function mcnemar(before: Uint8Array, after: Uint8Array): { gained: number; lost: number; z: number } {
  if (before.length !== after.length) throw new Error(`paired results differ in length: ${before.length} and ${after.length}`);
  let gained = 0;
  let lost = 0;
  for (let i = 0; i < before.length; i++) {
    if (after[i] && !before[i]) gained++;
    else if (!after[i] && before[i]) lost++;
  }
  return { gained, lost, z: gained + lost === 0 ? 0 : (gained - lost) / Math.sqrt(gained + lost) };
}
