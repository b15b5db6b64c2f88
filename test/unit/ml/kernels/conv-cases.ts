/**
 * The convolution shapes the kernel tests check against the cpu backend: strides that leave input
 * rows unused, uneven explicit padding, 1×1 (pointwise), a wider layer, and layers large enough for
 * the native kernels to split across threads.
 */
export interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: number | [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

export const CONV_CASES: readonly ConvCase[] = [
  { n: 2, h: 8, w: 8, ci: 3, co: 4, kh: 3, kw: 3, stride: 1, pad: 'same' },
  { n: 2, h: 9, w: 7, ci: 3, co: 5, kh: 3, kw: 3, stride: 2, pad: 'same' },
  { n: 1, h: 8, w: 8, ci: 2, co: 3, kh: 3, kw: 3, stride: 2, pad: 'valid' },
  { n: 3, h: 6, w: 6, ci: 4, co: 2, kh: 1, kw: 1, stride: 1, pad: 'valid' },
  { n: 2, h: 7, w: 10, ci: 3, co: 4, kh: 5, kw: 3, stride: [3, 2], pad: 'same' },
  { n: 2, h: 8, w: 8, ci: 3, co: 4, kh: 4, kw: 4, stride: 2, pad: 'same' },
  { n: 2, h: 9, w: 9, ci: 2, co: 3, kh: 3, kw: 3, stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { n: 2, h: 12, w: 12, ci: 16, co: 24, kh: 3, kw: 3, stride: 1, pad: 'same' },
  // Large enough to be split across threads and worked through in chunks (native/gemm.c): several
  // chunks a share, and shares that cut an image in two (forward and filter gradient).
  { n: 4, h: 16, w: 16, ci: 64, co: 16, kh: 3, kw: 3, stride: 1, pad: 'same' },
  { n: 7, h: 15, w: 13, ci: 48, co: 20, kh: 3, kw: 3, stride: 2, pad: 'same' },
  { n: 5, h: 11, w: 9, ci: 40, co: 12, kh: 1, kw: 1, stride: 1, pad: 'valid' },
];
