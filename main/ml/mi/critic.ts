/**
 * The critic T(x, y) that MI estimation trains. It is *separable*: T(x, y) = f(x)·g(y) with f and g
 * small ReLU MLPs, so one pass over a batch of n pairs gives all n×n scores with one matrix product
 * (positives on the diagonal, the n(n−1) other pairs as negatives) — many more negatives per step
 * than a concatenating critic could afford. For correlated Gaussians the optimal critic
 * (the log density ratio) is a sum of x_i·y_i, x_i² and y_i² terms, which f·g can express.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Random } from './random';

export interface CriticShape {
  /** Hidden units of each of the two hidden layers of f and g. */
  hidden: number;
  /** Length of the embeddings f(x) and g(y). */
  embed: number;
}

interface Dense {
  kernel: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
}

export class SeparableCritic {
  private readonly f: Dense[];
  private readonly g: Dense[];

  constructor(dx: number, dy: number, shape: CriticShape, random: Random) {
    const sizes = (input: number) => [input, shape.hidden, shape.hidden, shape.embed];
    this.f = mlp(sizes(dx), random);
    this.g = mlp(sizes(dy), random);
  }

  get variables(): tf.Variable[] {
    return [...this.f, ...this.g].flatMap((layer) => [layer.kernel, layer.bias]);
  }

  /** [n, n] scores: row i, column j = T(x_j, y_i), so the diagonal holds the n positive pairs. */
  scores(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return matMulFastGrad(apply(this.g, y), tf.transpose(apply(this.f, x)));
  }

  dispose(): void {
    for (const variable of this.variables) variable.dispose();
  }
}

function mlp(sizes: number[], random: Random): Dense[] {
  const layers: Dense[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    // Glorot-uniform kernels, zero biases.
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const values = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < values.length; i++) values[i] = (2 * random.uniform() - 1) * limit;
    layers.push({ kernel: tf.variable(tf.tensor2d(values, [fanIn, fanOut])), bias: tf.variable(tf.zeros([fanOut])) });
  }
  return layers;
}

/**
 * x·W whose backward pass transposes explicitly: on the wasm backend a matMul with a transpose flag
 * (what tfjs's own matMul gradient uses) is about 12× slower than transposing first.
 */
const matMulFastGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

function apply(layers: Dense[], input: tf.Tensor2D): tf.Tensor2D {
  let h = input;
  layers.forEach((layer, l) => {
    h = tf.add(matMulFastGrad(h, layer.kernel), layer.bias);
    if (l < layers.length - 1) h = tf.relu(h);
  });
  return h;
}
