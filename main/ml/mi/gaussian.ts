/**
 * Correlated Gaussians, the standard correctness check for an MI estimator: X, Y ∈ R^d standard
 * normal with corr(X_i, Y_i) = ρ and all other pairs independent, so that
 *
 *   I(X; Y) = −(d/2) · log(1 − ρ²)  nats   (2.877 at d = 20, ρ = 0.5).
 *
 * Samples come from a seeded generator so a check is reproducible.
 */
import { createRandom, type Random } from './random';

/** The true mutual information of the correlated-Gaussian pair, in nats. */
export function gaussianTrueMI(dim: number, rho: number): number {
  checkParameters(dim, rho);
  return Math.max(0, -(dim / 2) * Math.log1p(-rho * rho)); // max: never report −0 for ρ = 0
}

export interface PairBatch {
  /** n × dx, row-major. */
  x: Float32Array;
  /** n × dy, row-major; row i is paired with row i of x. */
  y: Float32Array;
}

/** A source of paired samples (X, Y): n pairs per call. */
export type PairSampler = (n: number) => PairBatch;

/** Sampler of n pairs with Y = ρX + √(1−ρ²)·ε, ε independent standard normal. */
export function correlatedGaussianSampler(dim: number, rho: number, seedOrRandom: number | Random = 0): PairSampler {
  checkParameters(dim, rho);
  const random = typeof seedOrRandom === 'number' ? createRandom(seedOrRandom) : seedOrRandom;
  const noise = Math.sqrt(1 - rho * rho);
  return (n: number) => {
    const x = new Float32Array(n * dim);
    const y = new Float32Array(n * dim);
    for (let i = 0; i < n * dim; i++) {
      const xi = random.normal();
      x[i] = xi;
      y[i] = rho * xi + noise * random.normal();
    }
    return { x, y };
  };
}

function checkParameters(dim: number, rho: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`dimension must be a positive integer, got ${dim}`);
  if (!(rho > -1 && rho < 1)) throw new Error(`correlation must lie strictly between -1 and 1, got ${rho}`);
}
